"""Checkpoints as safetensors plus JSON metadata, written atomically.

No pickle: tensors go to a ``.safetensors`` file, everything else (the optimizer's
hyper-parameters, the step, your metadata) to JSON inside the same file's header.

>>> import tempfile, torch
>>> path = tempfile.mkdtemp() + "/model.safetensors"
>>> model = torch.nn.Linear(2, 3)
>>> _ = save(path, model, metadata={"epoch": 3})
>>> fresh = torch.nn.Linear(2, 3)
>>> load(path, fresh)["epoch"]
3
>>> bool(torch.equal(fresh.weight, model.weight))
True
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from mlprep.errors import MlprepError
from mlprep.runtime import atomic_write_bytes

__all__ = ["save", "load"]

_MODEL, _OPTIM = "model.", "optim."


def _flatten_optimizer(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split an optimizer state_dict into tensors and a JSON-able remainder."""
    tensors: dict[str, torch.Tensor] = {}
    plain: dict[str, dict[str, Any]] = {}
    for pid, pstate in state["state"].items():
        plain[str(pid)] = {}
        for key, value in pstate.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{_OPTIM}{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                plain[str(pid)][key] = value
    return tensors, {"state": plain, "param_groups": state["param_groups"]}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], plain: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {int(pid): dict(values) for pid, values in plain["state"].items()}
    for name, value in tensors.items():
        if name.startswith(_OPTIM):
            pid, key = name[len(_OPTIM) :].split(".", 1)
            state.setdefault(int(pid), {})[key] = value
    return {"state": state, "param_groups": plain["param_groups"]}


def save(path: str | os.PathLike, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None,
         metadata: dict[str, Any] | None = None) -> Path:
    """Save ``model`` (and ``optimizer``) with JSON-serialisable ``metadata``, atomically."""
    model = getattr(model, "module", model)  # unwrap DDP / compiled wrappers
    model = getattr(model, "_orig_mod", model)
    tensors: dict[str, torch.Tensor] = {}
    storages: set[int] = set()
    for k, v in model.state_dict().items():
        t = v.detach().cpu().contiguous()
        # Tied weights (a GPT's output head is its token embedding) share memory, which
        # safetensors refuses: save the second name as a copy; load_state_dict re-ties them.
        ptr = t.untyped_storage().data_ptr()
        tensors[f"{_MODEL}{k}"] = t.clone() if ptr in storages else t
        storages.add(ptr)
    header: dict[str, str] = {"metadata": json.dumps(metadata or {})}
    if optimizer is not None:
        opt_tensors, plain = _flatten_optimizer(optimizer.state_dict())
        tensors.update(opt_tensors)
        header["optimizer"] = json.dumps(plain)
    try:
        data = st_save(tensors, metadata=header)
    except TypeError as e:
        raise MlprepError(f"metadata must be JSON-serialisable: {e}") from e
    return atomic_write_bytes(path, data)


def load(path: str | os.PathLike, model: torch.nn.Module | None = None,
         optimizer: torch.optim.Optimizer | None = None, strict: bool = True) -> dict[str, Any]:
    """Load weights into ``model`` (and state into ``optimizer``); return the metadata."""
    path = Path(path)
    if not path.is_file():
        raise MlprepError(f"no checkpoint at {path}")
    raw = path.read_bytes()
    try:
        tensors = st_load(raw)
        header_len = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + header_len]).get("__metadata__", {})
    except (SafetensorError, ValueError) as e:
        raise MlprepError(f"{path} is not a readable safetensors checkpoint ({e}); it may be truncated") from e
    if model is not None:
        target = getattr(getattr(model, "module", model), "_orig_mod", getattr(model, "module", model))
        weights = {k[len(_MODEL) :]: v for k, v in tensors.items() if k.startswith(_MODEL)}
        target.load_state_dict(weights, strict=strict)
    if optimizer is not None:
        if "optimizer" not in header:
            raise MlprepError(f"{path} holds no optimizer state")
        optimizer.load_state_dict(_unflatten_optimizer(tensors, json.loads(header["optimizer"])))
    return json.loads(header.get("metadata", "{}"))
