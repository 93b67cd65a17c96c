"""shakespeare-mentions and shakespeare-qa (labels, SQuAD format, splits), the two drills
against seqeval and a brute-force span search, and the token-task training helpers."""

from __future__ import annotations

import random

import pytest
import torch
from seqeval.metrics.sequence_labeling import get_entities

from mlprep import datasets
from mlprep.datasets import mentions, qa, shakespeare
from mlprep.drills import get_drill, run_checks
from mlprep.drills.catalog.best_span import _slow, best_span
from mlprep.drills.catalog.bio_decode import bio_decode
from mlprep.text import token_tasks


def test_registered_with_stable_names_and_cards():
    for name in ("shakespeare-mentions", "shakespeare-qa"):
        assert name in datasets.available()
        assert datasets.card_path(name) is not None and datasets.card_path(name).name == f"{name}.md"


def test_name_rule_keeps_names_and_drops_common_words_and_places():
    names = mentions.name_parts()
    assert {"Iago", "Desdemona", "Falstaff", "Rosalind", "Coriolanus", "Clarence"} <= names
    assert not {"King", "Lord", "Duke", "Page", "Bottom", "France", "York", "French"} & names
    dropped = mentions.dropped_name_parts()
    assert "Page" in dropped and dropped["Lord"] > 100


def test_tags_are_bio_runs_of_names():
    assert mentions.tags_for(["Iago's", "sword", "and", "Michael", "Cassio"], {"Iago", "Michael", "Cassio"}) == [
        "B-PER", "O", "O", "B-PER", "I-PER"]
    assert mentions.word_tokens("O, Iago's!") == ["O", ",", "Iago's", "!"]


def test_mentions_view_and_splits_hold_out_plays():
    test = datasets.load("shakespeare-mentions", "test", max_words=16)
    words, tags = test[0]
    assert len(words) == len(tags) <= 16 and set(tags) <= set(mentions.LABELS)
    assert {e.play for e in test.examples} == set(shakespeare.TEST_PLAYS)
    found = [e for e in test.examples if "B-PER" in e.tags]
    assert len(found) > 1000
    assert any("Iago" in e.words for e in found)


def test_qa_items_are_squad_v2_and_answers_are_spans():
    items = qa.qa_examples("val", n=200, seed=1)
    assert len(items) == 200 and len({i["id"] for i in items}) == 200
    assert {i["play"] for i in items} <= set(shakespeare.VAL_PLAYS)
    assert {i["template"] for i in items} == set(qa.TEMPLATES)
    unanswerable = [i for i in items if not i["answers"]["text"]]
    assert 0.2 < len(unanswerable) / len(items) < 0.5
    assert all(i["answers"]["answer_start"] == [] for i in unanswerable)
    for i in items:
        for text, start in zip(i["answers"]["text"], i["answers"]["answer_start"], strict=True):
            assert i["context"][start:start + len(text)] == text
    after = next(i for i in items if i["template"] == "after" and i["answers"]["text"])
    who = after["question"][len("Who speaks after "):-1]
    lines = after["context"].split("\n")
    first = next(k for k, line in enumerate(lines) if line.startswith(who + ": "))
    assert lines[first + 1].startswith(after["answers"]["text"][0] + ": ")
    assert qa.qa_examples("val", n=20, seed=1) == items[:20]  # deterministic in (split, seed)


def test_qa_rejects_bad_options():
    with pytest.raises(ValueError, match="speeches >= 2"):
        qa.qa_examples("val", n=5, speeches=1)


def test_bio_decode_reference_equals_seqeval():
    rng = random.Random(0)
    for _ in range(3000):
        tags = [rng.choice(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]) for _ in range(rng.randint(0, 15))]
        assert bio_decode(tags) == [tuple(e) for e in get_entities(tags)]


def test_best_span_reference_equals_brute_force():
    gen = torch.Generator().manual_seed(0)
    for _ in range(300):
        T = int(torch.randint(1, 20, (1,), generator=gen))
        s, e = torch.randn(T, generator=gen), torch.randn(T, generator=gen)
        m = int(torch.randint(1, 6, (1,), generator=gen))
        i, j = best_span(s, e, m)
        assert (i, j) == _slow(s, e, m) and i <= j < i + m


@pytest.mark.parametrize("name", ["bio_decode", "best_span"])
def test_new_drills_pass_their_checker(name):
    drill = get_drill(name)
    assert run_checks(drill, drill.reference)


def test_finetune_and_predict_on_a_tiny_tagger():
    data = {"x": torch.randint(1, 5, (32, 6)), "mask": torch.ones(32, 6, dtype=torch.long)}
    data["y"] = (data["x"] == 3).long()
    model = torch.nn.Sequential(torch.nn.Embedding(5, 8), torch.nn.Linear(8, 2))

    def step(m, batch):
        return torch.nn.functional.cross_entropy(m(batch["x"]).transpose(1, 2), batch["y"])

    seconds = token_tasks.finetune(model, data, step, steps=60, lr=0.05, batch_size=8, mask_key="mask", progress=False)
    pred = token_tasks.predict(lambda b: model(b["x"]).argmax(-1), data, batch_size=5, mask_key="mask")
    assert seconds > 0 and pred.shape == (32, 6) and torch.equal(pred, data["y"])


def _ragged(n=200, width=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, width + 1, (n,), generator=gen)
    mask = (torch.arange(width)[None, :] < lengths[:, None]).long()
    return {"x": torch.randint(1, 9, (n, width), generator=gen) * mask, "mask": mask, "row": torch.arange(n)}


def test_length_grouped_batches_cover_every_row_once_per_epoch_with_less_padding():
    data = _ragged()
    plain = token_tasks.TensorBatches(data, 8, seed=0, mask_key="mask")
    grouped = token_tasks.TensorBatches(data, 8, seed=0, mask_key="mask", group_by_length=True)
    grouped.GROUP = 5  # groups of 40 rows: several groups in an epoch of 200
    for _ in range(2):  # two epochs
        rows = grouped.batches()
        assert sorted(torch.cat(rows).tolist()) == list(range(200)) and max(len(b) for b in rows) == 8

    def padded(batches):  # tokens computed, padding included
        return sum(len(b) * int(data["mask"][b].sum(1).max()) for b in batches)

    assert padded(grouped.batches()) < 0.8 * padded(plain.batches())  # fewer padding tokens computed
    first = [b.tolist() for b in token_tasks.TensorBatches(data, 8, 0, "mask", group_by_length=True).batches()]
    again = [b.tolist() for b in token_tasks.TensorBatches(data, 8, 0, "mask", group_by_length=True).batches()]
    assert first == again  # seeded: the same batches for the same seed
    batch = next(iter(grouped))
    assert batch["x"].shape[1] == int(batch["mask"].sum(1).max())  # cut to its longest row


def test_predict_sorts_by_length_and_returns_rows_in_input_order():
    data = _ragged(n=37)
    out = token_tasks.predict(lambda b: (b["x"] * 10 + b["row"][:, None] * 1000).float(), data, batch_size=4, mask_key="mask")
    expected = ((data["x"] * 10 + data["row"][:, None] * 1000) * data["mask"]).float()
    torch.testing.assert_close(out * data["mask"], expected)
    assert out.shape == (37, 12)
    start, end = token_tasks.predict(lambda b: (b["x"].float(), -b["x"].float()), data, batch_size=5, mask_key="mask")
    torch.testing.assert_close(start, -end)
    torch.testing.assert_close(start, data["x"].float())


def test_split_encoder_equals_the_whole_model_and_trains_a_copy():
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    encoder = BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                                   intermediate_size=32)).eval()
    ids = torch.randint(1, 50, (4, 7))
    mask = torch.tensor([[1] * 7, [1] * 5 + [0] * 2, [1] * 3 + [0] * 4, [1] * 6 + [0]])
    data = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    cached, seconds = token_tasks.cache_lower(encoder, data, frozen_layers=2)
    assert cached["hidden"].shape == (4, 7, 16) and seconds >= 0
    upper = token_tasks.UpperLayers(encoder, 2, n_out=3, dropout=0.1).eval()
    with torch.no_grad():
        whole = encoder(**data).last_hidden_state
        split = upper.encode(cached["hidden"], mask)
    real = mask.bool()
    torch.testing.assert_close(split[real], whole[real])
    assert upper(cached["hidden"], mask).shape == (4, 7, 3)
    before = [p.clone() for p in encoder.parameters()]
    upper.train()
    upper(cached["hidden"], mask).sum().backward()
    torch.optim.SGD(upper.parameters(), lr=1.0).step()
    assert all(torch.equal(a, b) for a, b in zip(before, encoder.parameters(), strict=True))   # the encoder is untouched
    assert cached["hidden"].grad is None
