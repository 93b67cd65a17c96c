from __future__ import annotations

import matplotlib
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mlprep import datasets, fit
from mlprep.datasets.shapes import detection_collate
from mlprep.train import (
    Budget,
    Callback,
    Compute,
    History,
    Optim,
    StopWhen,
    accuracy,
    detection_step,
    evaluate,
)


def _blobs(n=128, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    return TensorDataset(x, (x[:, 0] + x[:, 1] > 0).long())


def test_classifier_learns_and_reports_metrics():
    torch.manual_seed(0)
    loader = DataLoader(_blobs(), batch_size=32, shuffle=True)
    history = fit(nn.Linear(2, 2), loader, epochs=15, lr=0.1, val_loader=loader, metrics={"accuracy": accuracy},
                  progress=False)
    assert isinstance(history, History) and len(history.epochs) == 15 and len(history.steps) == 60
    assert history["accuracy"][-1] > 0.9 and history["val_loss"][-1] < history["val_loss"][0]
    assert history.seconds > 0 and history.last["epoch"] == 15
    fig = history.plot()
    assert isinstance(fig, matplotlib.figure.Figure)


def test_segmentation_net_trains_on_shapes(tmp_home):
    ds = datasets.load("shapes-segment", "train", n=16, size=32, progress=False)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, ds.num_classes, 1))
    history = fit(model, DataLoader(ds, batch_size=8), epochs=2, progress=False)
    assert len(history.steps) == 4 and all(torch.isfinite(torch.tensor(history.steps)))
    scores = evaluate(model, DataLoader(ds, batch_size=3), metrics={"pixel_acc": accuracy})
    # The same number by hand over all 16 images at once (batches of 3: the last one is smaller).
    x, y = (torch.stack(t) for t in zip(*(ds[i] for i in range(len(ds))), strict=True))
    with torch.no_grad():
        logits = model(x)
    assert scores["pixel_acc"] == pytest.approx((logits.argmax(1) == y).float().mean().item(), abs=1e-6)
    assert scores["loss"] == pytest.approx(nn.functional.cross_entropy(logits, y).item(), rel=1e-5)


def test_torchvision_detection_model_dict_of_losses(tmp_home):
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator

    backbone = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU())
    backbone.out_channels = 16
    model = FasterRCNN(backbone, num_classes=7, min_size=48, max_size=48,
                       rpn_anchor_generator=AnchorGenerator(((8, 16),), ((1.0,),)),
                       box_roi_pool=__import__("torchvision").ops.MultiScaleRoIAlign(["0"], 7, 2),
                       rpn_batch_size_per_image=32, box_batch_size_per_image=32)
    ds = datasets.load("shapes-detect", "train", n=4, size=48, progress=False)
    loader = DataLoader(ds, batch_size=2, collate_fn=detection_collate)
    history = fit(model, loader, epochs=1, step_fn=detection_step, progress=False)
    assert len(history.steps) == 2 and all(v > 0 for v in history.steps)
    # Each loss part per step, as torchvision's engine logs them; they add up to the step's loss.
    assert len(history.step_parts) == 2 and {"loss_classifier", "loss_box_reg", "loss_objectness",
                                             "loss_rpn_box_reg"} == set(history.step_parts[0])
    assert sum(history.step_parts[0].values()) == pytest.approx(history.steps[0], rel=1e-5)


def test_language_model_with_custom_step_and_budget():
    ds = datasets.load("shakespeare-chars", "val", block_size=16)
    emb = nn.Sequential(nn.Embedding(ds.vocab_size, 16), nn.Linear(16, ds.vocab_size))

    def lm_step(model, batch):
        x, y = batch
        logits = model(x)  # (B, T, V)
        return nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())

    history = fit(emb, DataLoader(ds, batch_size=32), epochs=100, budget=Budget(max_steps=25), step_fn=lm_step,
                  progress=False)
    assert history.stopped == "max_steps" and len(history.steps) == 25
    assert history.steps[-1] < history.steps[0]
    timed = fit(emb, DataLoader(ds, batch_size=32), epochs=100, budget=Budget(seconds=0.3), step_fn=lm_step,
                progress=False)
    assert timed.stopped == "time_budget" and timed.seconds < 5


def test_non_finite_loss_names_the_step():
    calls = []

    def step(model, batch):
        calls.append(1)
        loss = model(batch[0]).pow(2).mean()
        return loss * float("nan") if len(calls) == 3 else loss

    with pytest.raises(FloatingPointError, match=r"epoch 1, step 3"):
        fit(nn.Linear(2, 1), DataLoader(_blobs(), batch_size=16), step_fn=step, progress=False)


class _Record(Callback):
    """Records, after every optimizer step, the gradient norm the step used and the LR next."""

    def __init__(self, model, optimizer=None):
        self.model, self.optimizer, self.grad_norms, self.lrs = model, optimizer, [], []

    def on_step_end(self, step, loss, history):
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        self.grad_norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))
        if self.optimizer is not None:
            self.lrs.append(self.optimizer.param_groups[0]["lr"])


def _steep_data():
    x = torch.randn(128, 2) * 100  # large inputs: gradients far above the clip value
    return TensorDataset(x, (x[:, 0] > 0).long())


@pytest.mark.parametrize("clip", [None, 0.5])
def test_grad_clip_bounds_the_norm_the_optimizer_sees(clip):
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    record = _Record(model)
    fit(model, DataLoader(_steep_data(), batch_size=32), epochs=2, optim=Optim(grad_clip=clip), progress=False,
        callbacks=[record])
    assert len(record.grad_norms) == 8
    if clip is None:  # the test can fail: unclipped, these gradients are far larger
        assert max(record.grad_norms) > 5
    else:
        assert max(record.grad_norms) <= clip * (1 + 1e-5)


@pytest.mark.parametrize("as_factory", [True, False])
def test_scheduler_gives_the_expected_lr_sequence(as_factory):
    from mlprep import schedules

    model = nn.Linear(2, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)
    record = _Record(model, optimizer)
    schedule = lambda step: schedules.warmup_cosine(step, total_steps=8, warmup_steps=2)  # noqa: E731
    factory = lambda opt: schedules.scheduler(opt, schedule)  # noqa: E731
    fit(model, DataLoader(_blobs(), batch_size=32), epochs=2, progress=False, callbacks=[record],
        optim=Optim(optimizer=optimizer, scheduler=factory if as_factory else factory(optimizer)))
    # After step k (1-based) the scheduler has stepped k times: the LR for step k + 1.
    assert record.lrs == pytest.approx([0.1 * schedule(k) for k in range(1, 9)])


def test_stop_when_ends_training_and_says_why():
    torch.manual_seed(0)
    loader = DataLoader(_blobs(), batch_size=32, shuffle=True)
    history = fit(nn.Linear(2, 2), loader, epochs=50, lr=0.1, val_loader=loader, metrics={"accuracy": accuracy},
                  progress=False, callbacks=[StopWhen("accuracy", ">=", 0.9)])
    assert history.stopped == "accuracy >= 0.9" and history.last["accuracy"] >= 0.9
    assert len(history.epochs) < 50 and all(e["accuracy"] < 0.9 for e in history.epochs[:-1])


def test_a_step_callback_can_stop_mid_epoch():
    class After(Callback):
        def on_step_end(self, step, loss, history):
            return "three steps" if step == 3 else None

    history = fit(nn.Linear(2, 2), DataLoader(_blobs(), batch_size=16), epochs=5, progress=False, callbacks=[After()])
    assert history.stopped == "three steps" and len(history.steps) == 3 and len(history.epochs) == 1



def test_evaluate_runs_the_model_once_per_batch():
    calls = []

    class Counting(nn.Linear):
        def forward(self, x):
            calls.append(len(x))
            return super().forward(x)

    loader = DataLoader(_blobs(), batch_size=32)
    scores = evaluate(Counting(2, 2), loader, metrics={"accuracy": accuracy})
    assert len(calls) == 4 and set(scores) == {"loss", "accuracy"}
    with pytest.raises(ValueError, match="eval_fn"):
        evaluate(Counting(2, 2), loader, metrics={"accuracy": accuracy}, step_fn=lambda m, b: m(b[0]).sum())
    calls.clear()
    with pytest.raises(ValueError, match="eval_fn"):  # fit says so before training, not after an epoch
        fit(Counting(2, 2), loader, val_loader=loader, metrics={"accuracy": accuracy},
            step_fn=lambda m, b: m(b[0]).sum(), progress=False)
    assert calls == []


def test_evaluate_says_why_a_detector_in_eval_mode_cannot_be_scored_by_loss():
    def predictions(model, batch):  # what a torchvision detector returns in eval mode
        return [{"boxes": torch.zeros(0, 4)}]

    with pytest.raises(TypeError, match="detection model in eval mode"):
        evaluate(nn.Linear(2, 2), DataLoader(_blobs(), batch_size=32), step_fn=predictions)


# Each of fit's options changes what happens; each test below fails if fit ignores its option.
def _one_batch():
    return [(torch.tensor([[1.0, -2.0], [0.5, 3.0]]), torch.tensor([0, 1]))]


def test_lr_is_adamws_first_step():
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    before = [p.detach().clone() for p in model.parameters()]
    fit(model, _one_batch(), lr=0.05, progress=False)
    # Adam's first update is lr * g / (|g| + eps): lr itself for every weight with a gradient.
    for old, new in zip(before, model.parameters(), strict=True):
        torch.testing.assert_close((old - new.detach()).abs(), torch.full_like(old, 0.05), atol=1e-6, rtol=0)


def test_weight_decay_shrinks_the_weights_by_lr_times_decay():
    model = nn.Linear(2, 2)
    before = model.weight.detach().clone()
    zero_grad = lambda m, b: (m(b[0]) * 0).sum()  # noqa: E731  Adam moves nothing: only the decay acts
    fit(model, _one_batch(), lr=0.1, step_fn=zero_grad, optim=Optim(weight_decay=0.5), progress=False)
    assert torch.allclose(model.weight, before * (1 - 0.1 * 0.5))
    fit(model, _one_batch(), lr=0.1, step_fn=zero_grad, progress=False)  # no decay: unchanged
    assert torch.allclose(model.weight, before * (1 - 0.1 * 0.5))


def test_an_optimizer_of_your_own_is_the_one_that_steps():
    model = nn.Linear(2, 2)
    before = model.weight.detach().clone()
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    fit(model, _one_batch(), step_fn=lambda m, b: m.weight.sum(), optim=Optim(optimizer=sgd), progress=False)
    assert torch.allclose(model.weight, before - 0.1)  # d(sum w)/dw = 1, one SGD step of 0.1
    with pytest.raises(ValueError, match="set them on the optimizer"):
        fit(model, _one_batch(), lr=0.1, optim=Optim(optimizer=sgd), progress=False)
    with pytest.raises(ValueError, match="set them on the optimizer"):
        fit(model, _one_batch(), optim=Optim(optimizer=sgd, weight_decay=0.1), progress=False)


def test_max_steps_stops_at_exactly_that_step_across_epochs():
    history = fit(nn.Linear(2, 2), DataLoader(_blobs(), batch_size=32), epochs=10, budget=Budget(max_steps=6),
                  progress=False)
    assert len(history.steps) == 6 and history.stopped == "max_steps"
    assert [e["step"] for e in history.epochs] == [4, 6]  # 4 batches an epoch: a full one, then 2 steps


def test_loss_fn_and_eval_fn_are_used():
    seven = lambda out, y: (out * 0).sum() + 7.0  # noqa: E731
    history = fit(nn.Linear(2, 2), _one_batch(), epochs=2, loss_fn=seven, val_loader=_one_batch(),
                  eval_fn=lambda m: {"answer": 42}, progress=False)
    assert history.steps == [7.0, 7.0] and history["val_loss"] == [7.0, 7.0] and history["answer"] == [42.0, 42.0]


def test_compute_device_is_the_one_asked_for(monkeypatch):
    monkeypatch.setenv("MLPREP_DEVICE", "cuda")  # the default fit would use without compute (absent here)
    model = nn.Linear(2, 2)
    fit(model, _one_batch(), compute=Compute(device="cpu"), progress=False)
    assert next(model.parameters()).device.type == "cpu"


def test_compute_mixed_precision_reaches_accelerate(monkeypatch):
    # Whether bf16 autocasts on a CPU is Accelerate's call (not on CPUs without bf16 support), so
    # the test checks what fit hands it: the Accelerator's setting, and that the step runs under it.
    from mlprep import train

    made, entered = [], []
    real = train.make_accelerator

    def spy(dev, mixed_precision="no"):
        accelerator = real(dev, mixed_precision)
        made.append(accelerator.mixed_precision)
        autocast = accelerator.autocast
        monkeypatch.setattr(accelerator, "autocast", lambda *a, **k: entered.append(1) or autocast(*a, **k),
                            raising=False)
        return accelerator

    monkeypatch.setattr(train, "make_accelerator", spy)
    fit(nn.Linear(2, 2), _one_batch(), epochs=2, compute=Compute(device="cpu", mixed_precision="bf16"), progress=False)
    fit(nn.Linear(2, 2), _one_batch(), compute=Compute(device="cpu"), progress=False)
    assert made == ["bf16", "no"] and entered == [1, 1]  # autocast for each bf16 step, none in fp32


def test_compute_compile_goes_through_torch_compile(monkeypatch):
    compiled = []
    monkeypatch.setattr(torch, "compile", lambda m: compiled.append(m) or m)  # the real one takes a minute on a CPU
    model = nn.Linear(2, 2)
    fit(model, _one_batch(), progress=False)
    fit(model, _one_batch(), compute=Compute(compile=True), progress=False)
    assert compiled == [model]


def test_progress_and_desc_decide_the_bar(capsys):
    fit(nn.Linear(2, 2), _one_batch(), epochs=2, desc="tiny", compute=Compute(device="cpu"))
    err = capsys.readouterr().err
    assert "tiny 1/2: 100%" in err and "tiny 2/2: 100%" in err
    fit(nn.Linear(2, 2), _one_batch(), epochs=2, desc="tiny", progress=False)
    assert capsys.readouterr().err == ""
