"""The optimizers the library builds use ``foreach=True`` (faster on CPU, where PyTorch's default is
the per-parameter loop); that choice must not change a single number a notebook reports."""
import pytest
import torch
from torch import nn

from mlprep.vision.experiments import make_optimizer


def _trained(opt_cls, foreach: bool, **kwargs) -> torch.Tensor:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.LazyLinear(4))
    x, y = torch.randn(16, 3, 8, 8), torch.randint(0, 4, (16,))
    model(x)  # materialise the lazy layer before the optimizer sees it
    opt = opt_cls(model.parameters(), foreach=foreach, **kwargs)
    for _ in range(15):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize("opt_cls, kwargs", [
    (torch.optim.AdamW, {"lr": 5e-3, "weight_decay": 1e-2}),
    (torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-4}),
])
def test_foreach_updates_are_bitwise_the_default_loop(opt_cls, kwargs):
    assert torch.equal(_trained(opt_cls, True, **kwargs), _trained(opt_cls, False, **kwargs))


@pytest.mark.parametrize("name", ["sgd", "adamw"])
def test_make_optimizer_uses_foreach(name):
    opt = make_optimizer(nn.Linear(2, 2), name, 1e-3, 1e-4)
    assert opt.param_groups[0]["foreach"] is True



def test_fit_default_optimizer_uses_foreach(monkeypatch):
    from mlprep import fit

    seen = []
    real = torch.optim.AdamW

    def spy(*args, **kwargs):
        seen.append(kwargs.get("foreach"))
        return real(*args, **kwargs)

    monkeypatch.setattr(torch.optim, "AdamW", spy)
    fit(nn.Linear(3, 2), [(torch.randn(4, 3), torch.randint(0, 2, (4,)))], epochs=1, progress=False)
    assert seen == [True]
