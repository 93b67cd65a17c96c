from __future__ import annotations

import pytest
import torch

from mlprep import checkpoint
from mlprep.errors import MlprepError


def _train(model, opt, steps=3):
    for _ in range(steps):
        loss = model(torch.randn(8, 3)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_model_and_optimizer_round_trip(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    _train(model, opt)
    path = checkpoint.save(tmp_path / "ckpt.safetensors", model, opt, metadata={"step": 3})
    clone = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    clone_opt = torch.optim.AdamW(clone.parameters(), lr=1e-2)
    assert checkpoint.load(path, clone, clone_opt) == {"step": 3}
    # Continuing both gives identical parameters: the optimizer state came back too.
    torch.manual_seed(1)
    _train(model, opt, 2)
    torch.manual_seed(1)
    _train(clone, clone_opt, 2)
    for a, b in zip(model.state_dict().values(), clone.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_truncated_checkpoint_is_reported(tmp_path):
    path = checkpoint.save(tmp_path / "c.safetensors", torch.nn.Linear(2, 2))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(MlprepError, match="not a readable safetensors"):
        checkpoint.load(path, torch.nn.Linear(2, 2))


def test_missing_checkpoint(tmp_path):
    with pytest.raises(MlprepError, match="no checkpoint"):
        checkpoint.load(tmp_path / "nope.safetensors")
