"""Unit tests for mlprep.vision.models and the training helpers in mlprep.vision.experiments."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn
from torch.utils.data import TensorDataset

from mlprep.train import History
from mlprep.vision.experiments import (
    accuracy_on,
    flips,
    standardize,
    steps_to_target,
    train_classifier,
    training_error_curve,
)
from mlprep.vision.models import (
    MLP,
    AlexNetMini,
    BasicBlock,
    ResNetMini,
    SmallCNN,
    count_parameters,
    make_activation,
)


@pytest.mark.parametrize("size", [16, 32, 48])
def test_models_return_logits_for_any_image_size(size):
    x = torch.rand(2, 3, size, size)
    for model in (SmallCNN(width=4), AlexNetMini(width=4), ResNetMini(8, width=4), MLP(3 * size * size)):
        assert model(x).shape == (2, 6)


def test_one_channel_ten_classes():
    x = torch.rand(3, 1, 8, 8)
    assert SmallCNN(num_classes=10, in_channels=1)(x).shape == (3, 10)


def test_resnet_depth_counts_weighted_layers():
    model = ResNetMini(20, width=8)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(convs) + len(linears) == 20  # 6n + 2 with n = 3, shortcuts (1x1) not counted


@pytest.mark.parametrize("depth", [7, 10, 4])
def test_resnet_rejects_depths_that_are_not_6n_plus_2(depth):
    with pytest.raises(ValueError, match="6n \\+ 2"):
        ResNetMini(depth)


def test_plain_twin_has_no_shortcuts_and_differs_only_by_projections():
    residual, plain = ResNetMini(20, width=8), ResNetMini(20, width=8, residual=False)
    projections = sum(count_parameters(b.shortcut) for stage in residual.stages for b in stage)
    assert projections > 0
    assert count_parameters(residual) - count_parameters(plain) == projections
    assert all(isinstance(b.shortcut, nn.Identity) for stage in plain.stages for b in stage)


def test_identity_block_adds_its_input():
    block = BasicBlock(4, 4).eval()
    for p in (block.bn2.weight, block.bn2.bias):
        nn.init.zeros_(p)  # F(x) == 0, so the block is relu(x)
    x = torch.randn(2, 4, 5, 5)
    torch.testing.assert_close(block(x), torch.relu(x))
    plain = BasicBlock(4, 4, residual=False).eval()
    plain.load_state_dict(block.state_dict())
    torch.testing.assert_close(plain(x), torch.zeros_like(x))


def test_basic_block_matches_torchvision():
    ours = BasicBlock(8, 16, stride=2).eval()
    tv = torchvision.models.resnet.BasicBlock(8, 16, stride=2, downsample=nn.Sequential(
        nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))).eval()
    tv.load_state_dict({k.replace("shortcut", "downsample"): v for k, v in ours.state_dict().items()})
    x = torch.randn(2, 8, 9, 9)
    torch.testing.assert_close(ours(x), tv(x))


def test_activation_switch():
    assert any(isinstance(m, nn.Tanh) for m in SmallCNN(activation="tanh").modules())
    assert not any(isinstance(m, nn.ReLU) for m in AlexNetMini(activation="tanh").modules())
    with pytest.raises(ValueError, match="unknown activation"):
        make_activation("gelu2")


def test_standardize_per_image_and_channel():
    x = torch.rand(3, 3, 10, 10) * 5 + 2
    z = standardize(x)
    torch.testing.assert_close(z.mean((2, 3)), torch.zeros(3, 3), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.std((2, 3)), torch.ones(3, 3), atol=1e-2, rtol=0)


def test_flips_keep_shape_and_change_pixels():
    torch.manual_seed(0)
    x = torch.rand(3, 32, 32)
    outs = [flips()(x) for _ in range(5)]
    assert all(o.shape == x.shape for o in outs)
    assert any(not torch.equal(o, x) for o in outs)


def _separable(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.rand(n, 1, 8, 8, generator=g) * 0.2
    x[y == 1, :, :4] += 0.8  # class 1: bright top half
    return TensorDataset(x, y)


def test_train_classifier_learns_a_separable_problem():
    data = _separable()
    model = SmallCNN(num_classes=2, in_channels=1, width=4, batchnorm=True)
    history = train_classifier(model, data, val=data, epochs=4, lr=1e-2, batch_size=32, device="cpu", progress=False)
    assert len(history.epochs) == 4
    assert accuracy_on(model, data) >= 0.95


def test_training_error_curve_stops_at_target():
    data = _separable()
    model = SmallCNN(num_classes=2, in_channels=1, width=4, batchnorm=True)
    history = training_error_curve(model, data, steps=400, eval_every=10, lr=0.05, batch_size=32, eval_items=128,
                                   stop_below=0.05, device="cpu", progress=False)
    steps = steps_to_target(history, 0.05)
    assert history.stopped == "target" and steps is not None and steps < 400
    assert history.epochs[-1]["train_error"] <= 0.05


def test_steps_to_target_none_when_never_reached():
    history = History(epochs=[{"step": 10, "train_error": 0.9}, {"step": 20, "train_error": 0.5}])
    assert steps_to_target(history, 0.4) is None
    assert steps_to_target(history, 0.5) == 20
