"""MiniGPT, its KV cache and sampling (its training: tests/test_lm.py)."""

from __future__ import annotations

import pytest
import torch

from mlprep.text.gpt import GPTConfig, KVCache, MiniGPT, sample_next


def tiny(block_size: int = 16) -> MiniGPT:
    torch.manual_seed(0)
    return MiniGPT(GPTConfig(vocab_size=11, block_size=block_size, n_layer=2, n_head=2, n_embd=16))


def test_shapes_and_weight_tying() -> None:
    model = tiny()
    assert model(torch.zeros(3, 7, dtype=torch.long)).shape == (3, 7, 11)
    assert model.head.weight is model.tok_emb.weight
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_causality_future_tokens_do_not_change_past_logits() -> None:
    model = tiny().eval()
    a = torch.randint(11, (1, 10))
    b = a.clone()
    b[0, 6:] = (b[0, 6:] + 1) % 11
    torch.testing.assert_close(model(a)[:, :6], model(b)[:, :6])
    assert not torch.allclose(model(a)[:, 6:], model(b)[:, 6:])


def test_cached_forward_equals_full_forward() -> None:
    model = tiny().eval()
    idx = torch.randint(11, (2, 9))
    cache = KVCache()
    with torch.no_grad():
        full = model(idx)
        parts = [model(idx[:, :4], cache)] + [model(idx[:, t : t + 1], cache) for t in range(4, 9)]
    torch.testing.assert_close(torch.cat(parts, dim=1), full, atol=1e-5, rtol=1e-5)
    assert cache.length == 9 and len(cache.keys) == 2


def test_generate_with_and_without_cache_agree_also_past_block_size() -> None:
    model = tiny(block_size=8)
    prompt = torch.randint(11, (3, 3))
    for kwargs in ({"temperature": 0}, {"top_k": 4}):
        with_cache = model.generate(prompt, 12, use_cache=True, generator=torch.Generator().manual_seed(1), **kwargs)
        without = model.generate(prompt, 12, use_cache=False, generator=torch.Generator().manual_seed(1), **kwargs)
        assert with_cache.shape == (3, 15) and torch.equal(with_cache, without)
        assert torch.equal(with_cache[:, :3], prompt)


def test_sample_next_top_k_and_temperature() -> None:
    logits = torch.tensor([[0.0, 3.0, 2.9, -5.0]]).repeat(2000, 1)
    picks = sample_next(logits, top_k=2, generator=torch.Generator().manual_seed(0)).flatten()
    assert set(picks.tolist()) <= {1, 2} and len(set(picks.tolist())) == 2
    cold = sample_next(logits, temperature=0.05, generator=torch.Generator().manual_seed(0)).flatten()
    assert (cold == 1).float().mean() > 0.8
    assert torch.equal(sample_next(logits[:1], temperature=0), torch.tensor([[1]]))
