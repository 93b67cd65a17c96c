"""translation-dates (mlprep.datasets.translation_dates) and the seq2seq models and decoders (mlprep.text.seq2seq)."""

from __future__ import annotations

import datetime
import itertools

import numpy as np
import pytest
import torch

from mlprep import datasets
from mlprep.datasets import translation_dates as tr
from mlprep.text import seq2seq as s2s

torch.set_num_threads(2)


def test_renderings_are_real_german():
    assert tr.render("on_date_year", datetime.date(1987, 5, 3)) == (
        "on Sunday, the third of May nineteen eighty-seven", "am Sonntag, dem dritten Mai neunzehnhundertsiebenundachtzig")
    assert tr.render("date_year", datetime.date(2003, 3, 21))[1] == "Freitag, der einundzwanzigste März zweitausenddrei"
    assert tr.render("time", (1, "oclock")) == ("at one o'clock", "um ein Uhr")
    assert tr.render("time", (12, "half")) == ("at half past twelve", "um halb eins")
    assert tr.render("time", (7, "25")) == ("at twenty-five past seven", "um fünf vor halb acht")
    assert tr.render("time", (7, "-15")) == ("at a quarter to eight", "um Viertel vor acht")
    assert tr.render("on_date_year_time", (datetime.date(2015, 1, 1), (1, "5")))[1] == \
        "am Donnerstag, dem ersten Januar zweitausendfünfzehn um fünf nach eins"


def test_splits_hold_disjoint_values_and_sources():
    splits = {s: datasets.load("translation-dates", s) for s in ("train", "val", "test")}
    assert [len(splits[s]) for s in splits] == [tr.SPLIT_SIZES[s] for s in splits]
    for a, b in itertools.combinations(splits, 2):
        assert not set(splits[a].sources) & set(splits[b].sources), (a, b)
    assert len(set(splits["test"].sources)) == len(splits["test"])  # distinct held-out sources
    # the value a source shows decides its split: the same date never crosses splits
    for template, value in [("date_year", datetime.date(1950, 6, 1)), ("time", (3, "half"))]:
        other = {"date_year": "on_date_year", "time": "time"}[template]
        assert tr.split_of(template, value) == tr.split_of(other, value)


def test_source_lengths_vary_widely_and_round_trip():
    test = datasets.load("translation-dates", "test")
    lengths = np.array([len(test.src_vocab.encode(s)) for s in test.sources])
    fifths = np.array_split(np.sort(lengths), 5)
    assert fifths[-1].mean() >= 3 * fifths[0].mean()
    for src, tgt in zip(test.sources[:50], test.targets[:50], strict=True):
        assert test.src_vocab.decode(test.src_vocab.encode(src)) == src
        ids = test.tgt_vocab.encode(tgt, bos=True, eos=True)
        assert ids[0] == s2s.BOS and ids[-1] == s2s.EOS and s2s.PAD not in ids and 3 not in ids  # no <unk>
        assert test.tgt_vocab.decode(ids) == tgt


def test_generation_is_cached_and_checksummed(tmp_home):
    tr._cached_split.cache_clear()
    ds = tr.TranslationDates("val", n=20)
    folder = tmp_home / "data" / "translation-dates"
    assert sorted(p.suffix for p in folder.iterdir()) == [".npz", ".sha256"]
    tr._cached_split.cache_clear()
    assert tr.TranslationDates("val", n=20).sources == ds.sources  # read back, same pairs
    assert ds.sources == tuple(r[1] for r in tr.generate("val", 20))
    tr._cached_split.cache_clear()


def test_masks():
    assert s2s.padding_mask(torch.tensor([[4, 5, 0, 0]])).tolist() == [[True, True, False, False]]
    assert torch.equal(s2s.causal_mask(4), torch.tril(torch.ones(4, 4, dtype=torch.bool)))


def _models(v_src=12, v_tgt=9):
    torch.manual_seed(0)
    return {"noattn": s2s.RNNSeq2Seq(v_src, v_tgt, emb=8, hidden=16, attention=False),
            "attn": s2s.RNNSeq2Seq(v_src, v_tgt, emb=8, hidden=16, attention=True),
            "transformer": s2s.TransformerSeq2Seq(v_src, v_tgt, d_model=16, n_head=2, d_ff=32)}


@pytest.mark.parametrize("name", ["noattn", "attn", "transformer"])
def test_padding_does_not_change_the_output(name):
    model = _models()[name].eval()
    src = torch.tensor([[5, 6, 7, 0], [8, 9, 10, 11]])
    tgt_in = torch.tensor([[1, 4, 5], [1, 6, 7]])
    with torch.no_grad():
        padded = model(torch.cat([src, torch.zeros(2, 3, dtype=torch.long)], dim=1), tgt_in)
        torch.testing.assert_close(model(src, tgt_in), padded, atol=1e-5, rtol=1e-5)
        alone = model(src[:1, :3], tgt_in[:1])
        torch.testing.assert_close(alone, padded[:1], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["noattn", "attn", "transformer"])
def test_step_by_step_decoding_equals_teacher_forcing(name):
    model = _models()[name].eval()
    src, tgt_in = torch.tensor([[5, 6, 7, 0], [8, 9, 10, 11]]), torch.tensor([[1, 4, 5, 6], [1, 6, 7, 3]])
    with torch.no_grad():
        full = model(src, tgt_in).log_softmax(-1)
        state = model.start(src)
        for t in range(tgt_in.shape[1]):
            log_probs, state = model.step(state, tgt_in[:, t])
            torch.testing.assert_close(log_probs, full[:, t], atol=1e-5, rtol=1e-5)


def _exhaustive_best(model, src, max_len):
    """The most probable complete sequence of at most max_len tokens, by enumeration."""
    V = model.out.out_features
    best, best_score = None, -float("inf")
    with torch.no_grad():
        for length in range(1, max_len + 1):
            for body in itertools.product(range(3, V), repeat=length - 1):
                seq = torch.tensor([[s2s.BOS, *body, s2s.EOS]])
                log_probs = model(src, seq[:, :-1]).log_softmax(-1)
                score = log_probs[0, torch.arange(length), seq[0, 1:]].sum().item()
                if score > best_score:
                    best, best_score = [*body, s2s.EOS], score
        for body in itertools.product(range(3, V), repeat=max_len):  # still open after max_len tokens
            seq = torch.tensor([[s2s.BOS, *body]])
            log_probs = model(src, seq[:, :-1]).log_softmax(-1)
            score = log_probs[0, torch.arange(max_len), seq[0, 1:]].sum().item()
            if score > best_score:
                best, best_score = list(body), score
    return best


@pytest.mark.parametrize("name", ["attn", "transformer"])
def test_a_wide_beam_is_exhaustive_search_and_width_one_is_greedy(name):
    model = _models(v_tgt=6)[name].eval()  # 3 real target tokens
    src = torch.tensor([[5, 6, 7]])
    with torch.no_grad():
        model.out.bias.copy_(torch.tensor([0.0, 0.0, -1.0, 0.5, 0.3, 0.2]))  # <eos> not too likely
        wide = s2s.beam_search(model, src, beam=128, max_len=4)[0].tolist()  # >= 3 + 9 + 27 + 81 hypotheses
        assert [t for t in wide if t != s2s.PAD] == _exhaustive_best(model, src, 4)
        assert torch.equal(s2s.beam_search(model, src, beam=1, max_len=4), s2s.greedy_decode(model, src, max_len=4))


def test_batched_beam_search_equals_one_row_at_a_time():
    model = _models()["transformer"].eval()
    src = torch.tensor([[5, 6, 7, 0], [8, 9, 10, 11], [4, 4, 0, 0]])
    batched = s2s.beam_search(model, src, beam=3, max_len=6)
    for i in range(3):
        row = s2s.beam_search(model, src[i:i + 1, : int((src[i] != 0).sum())], beam=3, max_len=6)
        assert batched[i, : row.shape[1]].tolist() == row[0].tolist()


def test_transformer_cross_attention_weights():
    model = _models()["transformer"].eval()
    src, tgt_in = torch.tensor([[5, 6, 7, 0]]), torch.tensor([[1, 4, 5]])
    weights = model.cross_attention(src, tgt_in)
    assert len(weights) == 2 and weights[0].shape == (1, 3, 4)
    torch.testing.assert_close(weights[0].sum(-1), torch.ones(1, 3))
    assert float(weights[0][..., 3].abs().max()) == 0.0  # the pad gets no attention


def test_loss_ignores_padding_and_smooths_like_torch():
    logits, tgt = torch.randn(2, 3, 7), torch.tensor([[4, 2, 0], [5, 6, 2]])
    keep = tgt.flatten() != s2s.PAD
    expected = torch.nn.functional.cross_entropy(logits.flatten(0, 1)[keep], tgt.flatten()[keep], label_smoothing=0.1)
    torch.testing.assert_close(s2s.seq2seq_loss(logits, tgt, 0.1), expected)


def test_length_batches_group_similar_lengths_and_repeat():
    ds = datasets.load("translation-dates", "val")
    batches = s2s.LengthBatches(ds, batch_size=16, seed=0)
    first = list(itertools.islice(iter(batches), 40))
    again = list(itertools.islice(iter(batches), 40))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, again, strict=True))  # deterministic
    src, tgt = first[0]
    assert src.shape[0] == 16 and tgt[:, 0].eq(s2s.BOS).all()
    pads = sum(int((s == s2s.PAD).sum()) for s, _ in first) / sum(s.numel() for s, _ in first)
    assert pads < 0.1  # sorted pools: little padding


def test_translate_returns_strings_in_order():
    ds = datasets.load("translation-dates", "val")
    model = s2s.RNNSeq2Seq(len(ds.src_vocab), len(ds.tgt_vocab), emb=8, hidden=16)
    out = s2s.translate(model, ds.sources[:5], ds.src_vocab, ds.tgt_vocab, max_len=5, beam=2)
    assert len(out) == 5 and all(isinstance(o, str) for o in out)
