"""Attention utilities, the masked-LM recipe and the long-range recall task."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from mlprep.text import assoc_recall, attention, mlm


def test_sdpa_matches_pytorch_with_and_without_causal_mask() -> None:
    q, k, v = torch.randn(3, 2, 4, 7, 8).unbind(0)  # (B, H, T, d)
    ours, weights = attention.scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(ours, F.scaled_dot_product_attention(q, k, v))
    ours, weights = attention.scaled_dot_product_attention(q, k, v, mask=attention.causal_mask(7))
    torch.testing.assert_close(ours, F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert torch.all(weights.triu(diagonal=1) == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4, 7))


def test_padding_mask_hides_padded_keys() -> None:
    q = k = v = torch.randn(2, 4, 8)
    mask = attention.padding_mask(torch.tensor([2, 4]), 4)  # (B, 1, T)
    _, weights = attention.scaled_dot_product_attention(q, k, v, mask=mask)
    assert torch.all(weights[0, :, 2:] == 0) and torch.all(weights[1] > 0)


def test_multi_head_attention_matches_nn_multihead_attention() -> None:
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(16, 4, batch_first=True)
    x_q, x_kv = torch.randn(2, 5, 16), torch.randn(2, 6, 16)
    ours = attention.multi_head_attention(x_q, x_kv, mha.in_proj_weight, mha.in_proj_bias, mha.out_proj, 4)
    ref = mha(x_q, x_kv, x_kv, need_weights=False)[0]
    torch.testing.assert_close(ours, ref)


def test_sinusoidal_positions_follow_the_paper() -> None:
    pe = attention.sinusoidal_positions(50, 16)
    p, i = 7, 3
    assert pe[p, 2 * i].item() == pytest.approx(math.sin(p / 10000 ** (2 * i / 16)), abs=1e-6)
    assert pe[p, 2 * i + 1].item() == pytest.approx(math.cos(p / 10000 ** (2 * i / 16)), abs=1e-6)
    with pytest.raises(ValueError):
        attention.sinusoidal_positions(4, 5)


def test_mask_tokens_proportions_and_targets() -> None:
    ids = torch.randint(1000, 2000, (50, 400))
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    inputs, labels = mlm.mask_tokens(ids, mask_token_id=103, vocab_size=30000, special_mask=special,
                                     generator=torch.Generator().manual_seed(0))
    chosen = labels != mlm.IGNORE_INDEX
    assert not chosen[special].any()
    assert chosen.float().mean().item() == pytest.approx(0.15 * 398 / 400, abs=0.005)
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(inputs[~chosen], ids[~chosen])  # unchosen tokens are never altered
    masked = (inputs[chosen] == 103).float().mean().item()
    unchanged = (inputs[chosen] == ids[chosen]).float().mean().item()
    assert masked == pytest.approx(0.8, abs=0.015)
    assert unchanged == pytest.approx(0.1, abs=0.01)
    assert 1 - masked - unchanged == pytest.approx(0.1, abs=0.01)


def test_recall_batch_answers_are_consistent() -> None:
    b = assoc_recall.make_recall_batch(256, num_pairs=10, num_keys=20, num_values=5,
                                 generator=torch.Generator().manual_seed(0))
    rows = torch.arange(256)
    index = 10 - b.distance
    assert torch.equal(b.keys[rows, index], b.keys[:, -1])
    assert torch.equal(b.values[rows, index], b.target)
    assert all(len(set(r[:-1].tolist())) == 10 for r in b.keys)  # distinct keys
    assert torch.all(b.values[:, -1] == 5) and b.distance.min() >= 1 and b.distance.max() <= 10
    with pytest.raises(ValueError):
        assoc_recall.make_recall_batch(2, num_pairs=30, num_keys=20, num_values=5)


def test_recall_models_shapes_and_accuracy_range() -> None:
    task = dict(num_keys=16, num_values=4)
    for model in (assoc_recall.RecallTransformer(**task, dim=16), assoc_recall.RecallLSTM(**task, dim=16, hidden=16)):
        acc = assoc_recall.accuracy_by_distance(model, num_pairs=8, samples=256, **task)
        assert acc.shape == (8,) and torch.all((acc >= 0) & (acc <= 1))
