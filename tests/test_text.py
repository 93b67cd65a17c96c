"""mlprep.text: tokenizer, vocabulary, SGNS pieces, char RNN, wiki-excerpt and WordSim353."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlprep.datasets import wiki
from mlprep.text import charrnn, sgns, tokenize


def test_words_lowercases_and_keeps_inner_apostrophes():
    assert tokenize.words("The King's 2 MEN!") == ["the", "king's", "men"]


def test_vocab_orders_by_count_and_drops_rare_words():
    vocab = tokenize.Vocab.build([["b", "a", "b"], ["c", "b", "a"]], min_count=2)
    assert vocab.itos == ["b", "a"]
    assert vocab.counts.tolist() == [3, 2]
    ids, sentence_of = vocab.encode([["a", "c", "b"], ["b"]])
    assert ids.tolist() == [1, 0, 0] and sentence_of.tolist() == [0, 0, 1]


def test_keep_probability_matches_word2vec_formula():
    counts = np.array([900, 90, 10])
    f = counts / counts.sum()
    expected = np.minimum(1, (np.sqrt(f / 1e-2) + 1) * 1e-2 / f)
    np.testing.assert_allclose(sgns.keep_probabilities(counts, 1e-2), expected)
    assert sgns.keep_probabilities(counts, 1e-2)[-1] == 1.0


def test_noise_distribution_is_flatter_than_unigram():
    counts = np.array([1000, 10])
    noise = sgns.noise_distribution(counts)
    assert noise.sum() == pytest.approx(1.0)
    assert noise[1] > counts[1] / counts.sum()


def test_skipgram_pairs_stay_inside_sentences_and_window():
    ids = np.arange(6)
    sentence_of = np.array([0, 0, 0, 1, 1, 1])
    c, o = sgns.skipgram_pairs(ids, sentence_of, window=2, rng=np.random.default_rng(0))
    assert len(c) > 0
    assert np.all(sentence_of[c] == sentence_of[o])
    assert np.all((np.abs(c - o) >= 1) & (np.abs(c - o) <= 2))


@pytest.mark.parametrize("share", [1, 3])
def test_hand_written_step_equals_autograd(share):
    torch.manual_seed(0)
    center_w, context_w = torch.randn(20, 6) * 0.3, torch.randn(20, 6) * 0.3
    center, context = torch.randint(20, (6,)), torch.randint(20, (6,))
    shared = torch.randint(20, (6 // share, 4))
    model = sgns.SkipGramNS(20, 6)
    model.center.weight.data.copy_(center_w)
    model.context.weight.data.copy_(context_w)
    loss = model(center, context, shared.repeat_interleave(share, dim=0)) * len(center)  # summed loss
    loss.backward()
    c2, x2 = center_w.clone(), context_w.clone()
    step_loss = sgns.sgns_sgd_step(c2, x2, center, context, shared, lr=0.5)
    torch.testing.assert_close(c2, center_w - 0.5 * model.center.weight.grad)
    torch.testing.assert_close(x2, context_w - 0.5 * model.context.weight.grad)
    assert step_loss.item() == pytest.approx(loss.item() / len(center), rel=1e-5)


def test_train_sgns_learns_cooccurrence():
    rng = np.random.default_rng(0)
    animals, tools = ["cat", "dog", "cow", "pig"], ["saw", "drill", "hammer", "wrench"]
    sentences = [list(rng.choice(group, size=8)) for _ in range(400) for group in (animals, tools)]
    result = sgns.train_sgns(sentences, dim=16, window=3, epochs=5, min_count=1, sample=1.0,
                             batch_size=64, share_negatives=8, lr=0.01, progress=False)
    assert result.vectors.shape == (8, 16)
    assert result.losses[-1] < result.losses[0]
    neighbours = [w for w, _ in result.most_similar("cat", topn=3)]
    assert set(neighbours) <= set(animals)


def test_char_rnn_shapes_and_state():
    model = charrnn.CharRNN(vocab_size=12, kind="gru", hidden=8, layers=2, emb_dim=4)
    logits, state = model(torch.zeros(3, 5, dtype=torch.long), return_state=True)
    assert logits.shape == (3, 5, 12) and state.shape == (2, 3, 8)
    with pytest.raises(ValueError, match="kind"):
        charrnn.CharRNN(12, kind="transformer")


def test_sample_starts_with_prompt_and_has_requested_length():
    class Chars:
        vocab = "ab\n:"

        def encode(self, s):
            return torch.tensor([self.vocab.index(c) for c in s])

        def decode(self, ids):
            return "".join(self.vocab[i] for i in ids)

    model = charrnn.CharRNN(vocab_size=4, kind="lstm", hidden=8, layers=1, emb_dim=4)
    text = charrnn.sample(model, Chars(), prompt="ab", length=10, temperature=0.7)
    assert text.startswith("ab") and len(text) == 12


def test_wordsim353_has_353_scored_pairs():
    pairs = wiki.wordsim353()
    assert len(pairs) == 353
    assert ("tiger", "cat", 7.35) in pairs
    assert all(0 <= s <= 10 for _, _, s in pairs)


def test_wordsim_spearman_is_one_for_a_perfect_model():
    pairs = [("a", "b", 1.0), ("c", "d", 5.0), ("e", "f", 9.0), ("g", "zzz", 3.0)]
    angle = {"a": 0.0, "b": 1.4, "c": 0.0, "d": 0.8, "e": 0.0, "f": 0.1, "g": 0.0}
    rho, used = wiki.wordsim_spearman(
        lambda w: np.array([np.cos(angle[w]), np.sin(angle[w])]) if w in angle else None, pairs)
    assert used == 3 and rho == pytest.approx(1.0)


def test_wiki_excerpt_is_tokenised_paragraphs():
    ds = wiki.WikiExcerpt()
    assert 8000 < len(ds) < 10000
    assert all(len(p) >= wiki.MIN_PARAGRAPH_TOKENS for p in ds.sentences[:200])
    assert sum(map(len, ds.sentences)) > 400_000
    assert ds[0][0] == "anarchism"


def test_wiki_excerpt_registers_in_dataset_registry():
    from mlprep import datasets

    assert "wiki-excerpt" in datasets.available()
    assert datasets.info("wiki-excerpt").card == "wiki-excerpt.md"


def test_train_sgns_reports_divergence():
    sentences = [["a", "b", "c", "d"] * 4] * 200
    with pytest.raises(FloatingPointError, match="lower lr"):
        sgns.train_sgns(sentences, dim=8, epochs=3, min_count=1, sample=1.0, batch_size=512,
                        share_negatives=8, lr=50.0, progress=False)


def test_genre_classifier_rejects_an_unknown_weighting():
    from mlprep.errors import MlprepError
    from mlprep.text.tfidf_baseline import train_genre_classifier

    with pytest.raises(MlprepError, match="weighting must be one of tfidf, tf, counts"):
        train_genre_classifier(weighting="bm25")
