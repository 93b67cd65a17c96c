"""MiniGPT, its KV cache and sampling, and the budgeted LM training helpers."""

from __future__ import annotations

import pytest
import torch

from mlprep.schedules import scheduler, warmup_cosine
from mlprep.text.charrnn import CharRNN
from mlprep.text.gpt import GPTConfig, KVCache, MiniGPT, lm_loss, sample_next
from mlprep.text.lm_training import (
    RandomWindows,
    train_lm,
    val_windows,
)


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


def test_random_windows_and_val_windows_are_shifted_pairs() -> None:
    data = torch.arange(500)
    x, y = next(iter(RandomWindows(data, block_size=10, batch_size=4, seed=0)))
    assert x.shape == (4, 10) and torch.equal(y, x + 1)
    batches = val_windows(data, block_size=10, count=20, batch_size=8)
    assert [len(b[0]) for b in batches] == [8, 8, 4]
    assert all(torch.equal(b[1], b[0] + 1) for b in batches)


def test_warmup_cosine_schedule_drives_the_optimizer() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = scheduler(opt, lambda s: warmup_cosine(s, total_steps=10, warmup_steps=4))
    lrs = []
    for _ in range(12):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])  # linear warm-up
    assert all(a >= b for a, b in zip(lrs[3:], lrs[4:], strict=False))  # then never up
    assert lrs[-1] == pytest.approx(0.1)  # past the last step: the floor, 10% of the peak


def test_train_lm_learns_a_repeating_pattern() -> None:
    data = torch.arange(3000) % 7
    for model in (MiniGPT(GPTConfig(vocab_size=7, block_size=16, n_layer=1, n_head=2, n_embd=16)),
                  CharRNN(7, "lstm", hidden=16, layers=1, emb_dim=8)):
        run = train_lm(model, data, data, steps=80, block_size=16, batch_size=16, lr=1e-2,
                       warmup_steps=5, progress=False)
        assert run.steps == 80 and run.history.stopped == "max_steps" and run.ms_per_step > 0
        assert run.val_loss < 1.0  # uniform guessing is ln 7 = 1.95
        x, y = val_windows(data, block_size=16)[0]
        assert lm_loss(model(x), y).item() == pytest.approx(run.val_loss, abs=0.05)
