"""YOLOv1 encoding, loss and decoding; the small Faster R-CNN."""

from __future__ import annotations

import time

import pytest
import torch
from torchvision.ops import roi_align

from mlprep.vision import frcnn, loops, yolo
from mlprep.vision.frcnn import matmul_roi_align, small_faster_rcnn
from mlprep.vision.metrics import mean_average_precision
from mlprep.vision.yolo import YOLOv1, decode, encode_targets, yolo_loss

TARGETS = [
    {"boxes": torch.tensor([[4.0, 6.0, 20.0, 30.0], [40.0, 40.0, 60.0, 52.0]]), "labels": torch.tensor([2, 5])},
    {"boxes": torch.tensor([[10.0, 10.0, 40.0, 40.0]]), "labels": torch.tensor([1])},
]


def perfect_raw(targets: list[dict], grid: int = 8, size: int = 64, num_classes: int = 6) -> torch.Tensor:
    """Raw network output that encodes ``targets`` exactly (first predictor of each cell)."""
    has_obj, box, cls = encode_targets(targets, grid, size)
    logit = lambda p: torch.logit(p.clamp(1e-6, 1 - 1e-6))  # noqa: E731
    raw = torch.full((len(targets), grid, grid, 2 * 5 + num_classes), -20.0)
    raw[..., 0:4] = logit(box)
    raw[..., 4] = torch.where(has_obj, 20.0, -20.0)
    raw[..., 10:] = torch.nn.functional.one_hot(cls, num_classes) * 40.0 - 20.0
    return raw


def test_encode_then_decode_recovers_the_boxes() -> None:
    detections = decode(perfect_raw(TARGETS))
    for det, target in zip(detections, TARGETS, strict=True):
        order = det["boxes"][:, 0].argsort()
        torch.testing.assert_close(det["boxes"][order], target["boxes"], atol=1e-3, rtol=0)
        assert det["labels"][order].tolist() == target["labels"].tolist()
    assert mean_average_precision(detections, TARGETS)["map"] > 0.99


def test_shared_cell_keeps_the_larger_box() -> None:
    t = [{"boxes": torch.tensor([[0.0, 0.0, 30.0, 30.0], [12.0, 12.0, 18.0, 18.0]]), "labels": torch.tensor([1, 2])}]
    has_obj, box, cls = encode_targets(t, grid=4, image_size=64)  # both centres in cell (0, 0)
    assert int(has_obj.sum()) == 1
    assert int(cls[0, 0, 0]) == 0  # the large one (label 1 -> class 0)


def test_yolo_loss_prefers_the_truth_and_training_reduces_it() -> None:
    has_obj, box, cls = encode_targets(TARGETS, 8, 64)
    good = yolo_loss(perfect_raw(TARGETS), has_obj, box, cls)
    bad = yolo_loss(torch.zeros(2, 8, 8, 16), has_obj, box, cls)
    assert float(good) < 0.01 < float(bad)
    torch.manual_seed(0)
    net = YOLOv1(6, grid=8, width=4)
    images = torch.rand(16, 3, 64, 64)
    history = yolo.train_yolo(net, images, TARGETS * 8, epochs=6, batch_size=8, lr=1e-2, progress=False)
    assert history.steps[-1] < history.steps[0]
    assert len(yolo.predict_yolo(net, images[:3])) == 3


def test_flip_augmentation_matches_encoding_flipped_boxes() -> None:
    # The flip in train_yolo mirrors encoded targets; it must equal encoding mirrored boxes.
    b = TARGETS[0]["boxes"]
    mirrored_boxes = torch.stack([64 - b[:, 2], b[:, 1], 64 - b[:, 0], b[:, 3]], 1)
    has_obj, box, _ = encode_targets(TARGETS[:1], 8, 64)
    m_obj, m_box, _ = encode_targets([{"boxes": mirrored_boxes, "labels": TARGETS[0]["labels"]}], 8, 64)
    flipped = box.flip(2).clone()
    flipped[..., 0] = 1 - flipped[..., 0]
    assert torch.equal(has_obj.flip(2), m_obj)
    torch.testing.assert_close(flipped[m_obj], m_box[m_obj])


def test_small_faster_rcnn_trains_and_predicts() -> None:
    torch.manual_seed(0)
    model = small_faster_rcnn(num_classes=7, image_size=64, width=4)
    images = torch.rand(4, 3, 64, 64)
    history = frcnn.train_frcnn(model, images, TARGETS * 2, epochs=2, batch_size=2, progress=False)
    assert all(torch.isfinite(torch.tensor(history.steps)))
    out = frcnn.predict_frcnn(model, images[:2])
    assert len(out) == 2 and out[0]["boxes"].shape[-1] == 4
    assert model.transform.min_size == (64,)  # no resizing of 64-pixel images


@pytest.mark.parametrize("sampling_ratio", [1, 2])
def test_matmul_roi_align_equals_torchvision_forward_and_backward(sampling_ratio: int) -> None:
    torch.manual_seed(0)
    features = torch.randn(3, 5, 16, 16, requires_grad=True)
    boxes = []
    for count in (6, 1, 4):  # ragged, with boxes partly and wholly outside the map, and tiny ones
        corner = torch.rand(count, 2) * 80 - 8
        boxes.append(torch.cat([corner, corner + torch.rand(count, 2) * 30], 1))
    boxes[1] = torch.tensor([[62.0, 62.0, 62.5, 62.2]])  # smaller than a feature pixel, at the edge
    ref = roi_align(features, boxes, 7, 0.25, sampling_ratio, aligned=False)
    ours = matmul_roi_align(features, boxes, 7, 0.25, sampling_ratio)
    torch.testing.assert_close(ours, ref)
    grad = torch.randn_like(ref)
    torch.testing.assert_close(torch.autograd.grad(ours, features, grad)[0], torch.autograd.grad(ref, features, grad)[0])
    assert matmul_roi_align(features, [torch.zeros(0, 4)] * 3).shape == (0, 5, 7, 7)


def test_faster_rcnn_losses_and_gradients_equal_with_either_roi_align() -> None:
    images, targets = list(torch.rand(2, 3, 64, 64)), [dict(t) for t in TARGETS]
    models = {}
    for kind in ("torchvision", "matmul"):
        torch.manual_seed(0)
        models[kind] = small_faster_rcnn(num_classes=7, image_size=64, width=4, roi_align=kind)
    losses, grads = {}, {}
    for kind, model in models.items():
        torch.manual_seed(1)  # the same RPN and RoI sampling
        out = model(images, targets)
        sum(out.values()).backward()
        losses[kind] = torch.stack(list(out.values()))
        grads[kind] = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
    torch.testing.assert_close(losses["matmul"], losses["torchvision"])
    torch.testing.assert_close(grads["matmul"], grads["torchvision"], atol=1e-6, rtol=1e-4)
    with pytest.raises(ValueError, match="roi_align"):
        small_faster_rcnn(num_classes=7, roi_align="fast")


def test_images_per_second_counts_calls() -> None:
    rate = loops.images_per_second(lambda x: x.sum(), torch.rand(4, 3, 8, 8), seconds=0.05)
    assert rate > 10


def test_images_per_second_ignores_a_moment_of_contention() -> None:
    calls = []

    def predict(x):  # 2 ms a call, but every 5th call waits 40 ms (another process held the core)
        calls.append(1)
        time.sleep(0.04 if len(calls) % 5 == 0 else 0.002)

    rate = loops.images_per_second(predict, torch.rand(4, 3, 8, 8), seconds=0.3)
    assert 300 < rate < 600  # about 1 / 2 ms; the mean would give about 1 / 9.6 ms = 104


def test_images_per_second_times_several_predictors_in_turn() -> None:
    """Two predictors timed in one loop: load that comes halfway through slows both alike, so the
    ratio stays 2 (timed one after the other, the second would look 3x slower than it is)."""
    order, start = [], time.perf_counter()

    def busy() -> float:  # the machine gets 3x slower after 0.3 s
        return 3.0 if time.perf_counter() - start > 0.3 else 1.0

    def fast(x):
        order.append("fast")
        time.sleep(0.005 * busy())

    def slow(x):
        order.append("slow")
        time.sleep(0.010 * busy())

    rates = loops.images_per_second({"fast": fast, "slow": slow}, torch.rand(4, 3, 8, 8), seconds=0.6)
    assert set(rates) == {"fast", "slow"}
    assert order[2:8] == ["fast", "slow"] * 3  # after one warm-up call each, strictly in turn
    assert 1.6 < rates["fast"] / rates["slow"] < 2.4
