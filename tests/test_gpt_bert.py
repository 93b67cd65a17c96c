"""The BERT classification helpers of notebook 10 (mlprep.text.finetuning)."""

from __future__ import annotations

import torch

from mlprep.text import finetuning


def test_stratified_subsample_takes_at_most_n_per_class() -> None:
    labels = torch.tensor([0] * 10 + [1] * 3 + [2] * 7)
    rows = finetuning.stratified_subsample(labels, per_class=5, seed=1)
    assert torch.bincount(labels[rows]).tolist() == [5, 3, 5]
    assert torch.equal(rows, rows.sort().values) and len(set(rows.tolist())) == len(rows)
    assert torch.equal(rows, finetuning.stratified_subsample(labels, per_class=5, seed=1))


def test_encoded_batch_trims_padding() -> None:
    enc = finetuning.Encoded(torch.tensor([[1, 2, 0, 0], [1, 2, 3, 0]]), torch.tensor([[1, 1, 0, 0], [1, 1, 1, 0]]),
                           torch.tensor([0, 1]))
    ids, mask, labels = enc.batch(torch.tensor([0]))
    assert ids.shape == (1, 2) and mask.tolist() == [[1, 1]] and labels.tolist() == [0]
    assert enc.batch(torch.tensor([0, 1]))[0].shape == (2, 3)


def test_scratch_classifier_trains_and_predicts() -> None:
    from transformers import AutoTokenizer

    from mlprep.text.pretrained import minilm_dir

    tokenizer = AutoTokenizer.from_pretrained(str(minilm_dir()), local_files_only=True)
    enc = finetuning.tokenize(tokenizer, ["to be or not to be", "now is the winter", "friends, romans"] * 2,
                            [0, 1, 2] * 2, max_length=8)
    assert enc.input_ids.shape == (6, 8) and int(enc.input_ids[0, 0]) == tokenizer.cls_token_id
    model = finetuning.scratch_classifier(num_labels=3, seed=0)
    before = model.classifier.weight.detach().clone()
    finetuning.finetune(model, enc, steps=2, batch_size=3, progress=False)
    assert not torch.equal(before, model.classifier.weight)
    pred = finetuning.predict(model, enc)
    assert pred.shape == (6,) and int(pred.min()) >= 0 and int(pred.max()) < 3
