"""Cache and checkpoint edges: a broken ``.sha256`` is regenerated, a bad checkpoint is
refused before it changes the model, and tensor data is checksummed (issue 23, area 8)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from mlprep import checkpoint
from mlprep.datasets.cache import CorruptCacheWarning, cached_arrays
from mlprep.errors import MlprepError


@pytest.mark.parametrize("content", [b"", b"   \n\t ", b"\xff\xfe\x00binary", b"\n\n", b"not-a-digest x.npz\n"])
def test_a_broken_checksum_file_is_regenerated_not_a_crash(tmp_path, content):
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(4)}

    cached_arrays(tmp_path, "demo", build)
    (tmp_path / "demo.sha256").write_bytes(content)
    with pytest.warns(CorruptCacheWarning):
        assert cached_arrays(tmp_path, "demo", build)["x"].tolist() == [0, 1, 2, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # regenerated: the next read is clean
        assert cached_arrays(tmp_path, "demo", build)["x"].tolist() == [0, 1, 2, 3]
    assert len(calls) == 2


def test_a_matching_checksum_on_a_non_npz_file_is_rebuilt(tmp_path):
    import hashlib

    (tmp_path / "demo.npz").write_bytes(b"junk")
    (tmp_path / "demo.sha256").write_text(hashlib.sha256(b"junk").hexdigest() + "  demo.npz\n")
    with pytest.warns(CorruptCacheWarning):
        assert cached_arrays(tmp_path, "demo", lambda: {"y": np.ones(2)})["y"].tolist() == [1.0, 1.0]


def _rewrite_header(path, change):
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    change(header)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n :])


def _model_and_copy():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    before = {k: v.clone() for k, v in fresh.state_dict().items()}
    return model, fresh, before


def _unchanged(model, before):
    return all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize("bad", ["metadata", "metadata-list", "optimizer", "sha256"])
def test_invalid_metadata_is_refused_before_the_model_changes(tmp_path, bad):
    model, fresh, before = _model_and_copy()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    path = checkpoint.save(tmp_path / "c.safetensors", model, opt, metadata={"step": 1})

    def change(header):
        meta = header["__metadata__"]
        if bad == "metadata":
            meta["metadata"] = "{not json"
        elif bad == "metadata-list":
            meta["metadata"] = "[1, 2]"
        elif bad == "optimizer":
            meta["optimizer"] = json.dumps({"state": {}, "param_groups": [{"params": [0]}]})
        else:
            meta["sha256"] = "0" * 64

    _rewrite_header(path, change)
    fresh_opt = torch.optim.SGD(fresh.parameters(), lr=0.5)
    with pytest.raises(MlprepError):
        checkpoint.load(path, fresh, fresh_opt)
    assert _unchanged(fresh, before) and fresh_opt.param_groups[0]["lr"] == 0.5


def test_a_model_of_another_shape_is_refused_untouched(tmp_path):
    model, _, _ = _model_and_copy()
    path = checkpoint.save(tmp_path / "c.safetensors", model)
    other = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 5))
    before = {k: v.clone() for k, v in other.state_dict().items()}
    with pytest.raises(MlprepError, match="does not fit this model"):
        checkpoint.load(path, other)
    assert _unchanged(other, before)  # torch would have copied the first layer already


def test_flipped_tensor_bytes_are_caught_by_the_checksum(tmp_path):
    model, fresh, before = _model_and_copy()
    path = checkpoint.save(tmp_path / "c.safetensors", model, metadata={"step": 1})
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x40  # inside the last tensor's data: safetensors alone cannot tell
    path.write_bytes(bytes(raw))
    with pytest.raises(MlprepError, match="sha256"):
        checkpoint.load(path, fresh)
    assert _unchanged(fresh, before)
    assert checkpoint.load(checkpoint.save(tmp_path / "ok.safetensors", model), fresh) == {}
