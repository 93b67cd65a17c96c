"""Checkpoints as safetensors plus JSON metadata, written atomically.

No pickle: tensors go to a ``.safetensors`` file, everything else (the optimizer's
hyper-parameters, the step, your metadata) to JSON inside the same file's header, with a
sha256 of the tensor data. :func:`load` checks all of it (checksum, JSON, names and shapes
against the model, optimizer groups) before it changes the model: a bad checkpoint raises
and leaves the model and optimizer as they were.

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

import hashlib
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


def tensor_digest(tensors: dict[str, torch.Tensor]) -> str:
    """sha256 over every tensor's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        digest.update(f"{name}\0{t.dtype}\0{tuple(t.shape)}\0".encode())
        if t.numel():
            digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


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
    try:
        header: dict[str, str] = {"metadata": json.dumps(metadata or {})}
    except TypeError as e:
        raise MlprepError(f"metadata must be JSON-serialisable: {e}") from e
    if optimizer is not None:
        opt_tensors, plain = _flatten_optimizer(optimizer.state_dict())
        tensors.update(opt_tensors)
        header["optimizer"] = json.dumps(plain)
    header["sha256"] = tensor_digest(tensors)
    try:
        data = st_save(tensors, metadata=header)
    except TypeError as e:
        raise MlprepError(f"metadata must be JSON-serialisable: {e}") from e
    return atomic_write_bytes(path, data)


def load(path: str | os.PathLike, model: torch.nn.Module | None = None,
         optimizer: torch.optim.Optimizer | None = None, strict: bool = True) -> dict[str, Any]:
    """Load weights into ``model`` (and state into ``optimizer``); return the metadata.

    Everything is checked first; any problem is an :class:`MlprepError` and nothing changed.
    """
    path = Path(path)
    if not path.is_file():
        raise MlprepError(f"no checkpoint at {path}")
    raw = path.read_bytes()
    try:
        tensors = st_load(raw)
        header_len = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + header_len]).get("__metadata__") or {}
    except (SafetensorError, ValueError, AttributeError) as e:
        raise MlprepError(f"{path} is not a readable safetensors checkpoint ({e}); it may be truncated") from e
    expected = header.get("sha256")
    if expected is not None and expected != tensor_digest(tensors):  # older checkpoints have none
        raise MlprepError(f"{path}: the tensor data does not match its sha256 (the file is corrupt)")
    try:
        metadata = json.loads(header.get("metadata", "{}"))
        plain = json.loads(header["optimizer"]) if optimizer is not None and "optimizer" in header else None
    except (TypeError, ValueError) as e:
        raise MlprepError(f"{path}: its metadata is not valid JSON ({e})") from None
    if not isinstance(metadata, dict):
        raise MlprepError(f"{path}: its metadata is not a JSON object")
    optimizer_state = None
    if optimizer is not None:
        if plain is None:
            raise MlprepError(f"{path} holds no optimizer state")
        try:
            optimizer_state = _unflatten_optimizer(tensors, plain)
            _check_optimizer(optimizer, optimizer_state)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise MlprepError(f"{path}: its optimizer state does not fit this optimizer ({e})") from None
    target = weights = None
    if model is not None:
        target = getattr(getattr(model, "module", model), "_orig_mod", getattr(model, "module", model))
        weights = {k[len(_MODEL) :]: v for k, v in tensors.items() if k.startswith(_MODEL)}
        _check_weights(path, target, weights, strict)
    # Checked: now change the model and the optimizer.
    if target is not None:
        target.load_state_dict(weights, strict=strict)
    if optimizer is not None:
        optimizer.load_state_dict(optimizer_state)
    return metadata


def _check_weights(path: Path, model: torch.nn.Module, weights: dict[str, torch.Tensor], strict: bool) -> None:
    """Names and shapes against ``model``'s, before anything is copied into it."""
    own = model.state_dict()
    if strict:
        missing, unexpected = sorted(set(own) - set(weights)), sorted(set(weights) - set(own))
        if missing or unexpected:
            raise MlprepError(f"{path} does not fit this model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for name in sorted(set(own) & set(weights)):
        if tuple(own[name].shape) != tuple(weights[name].shape):
            raise MlprepError(f"{path} does not fit this model: {name} has shape {tuple(weights[name].shape)} "
                              f"there and {tuple(own[name].shape)} here")


def _check_optimizer(optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    groups, saved = optimizer.param_groups, state["param_groups"]
    if not isinstance(saved, list) or len(saved) != len(groups):
        raise ValueError("a different number of parameter groups")
    for group, saved_group in zip(groups, saved, strict=True):
        if len(group["params"]) != len(saved_group["params"]):
            raise ValueError("a parameter group of a different size")
