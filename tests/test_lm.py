"""mlprep.text.lm: the one LM loss, step, evaluator and step-budgeted trainer (07, 09, the recipe)."""

from __future__ import annotations

import math

import pytest
import torch

from mlprep.recipes import gpt as gpt_recipe
from mlprep.schedules import one_cycle
from mlprep.text import charrnn, gpt
from mlprep.text.charrnn import CharRNN
from mlprep.text.gpt import GPTConfig, MiniGPT
from mlprep.text.lm import (
    RandomWindows,
    evaluate_lm,
    lm_loss,
    lm_step,
    spaced_windows,
    train_lm,
    val_windows,
)


def test_one_owner_of_step_loss_evaluation_and_trainer() -> None:
    for module in (gpt, charrnn):
        for name in ("lm_step", "lm_loss", "char_lm_loss", "evaluate_lm", "train_lm"):
            assert not hasattr(module, name), f"{module.__name__}.{name} duplicates mlprep.text.lm"
    assert gpt_recipe.lm_step is lm_step and gpt_recipe.lm_loss is lm_loss


def test_lm_step_is_cross_entropy_over_all_positions() -> None:
    model = CharRNN(vocab_size=5, kind="rnn", hidden=4, layers=1, emb_dim=3)
    x, y = torch.randint(5, (2, 7)), torch.randint(5, (2, 7))
    expected = torch.nn.functional.cross_entropy(model(x).reshape(-1, 5), y.reshape(-1))
    torch.testing.assert_close(lm_step(model, (x, y)), expected, rtol=0, atol=0)
    total = lm_loss(model(x), y, reduction="sum")
    torch.testing.assert_close(total, expected * 14)
    assert lm_loss(model(x).bfloat16(), y).dtype == torch.float32  # scored in float32 under autocast


def test_recipe_loss_is_the_lm_step() -> None:
    torch.manual_seed(0)
    model = MiniGPT(GPTConfig(vocab_size=7, block_size=8, n_layer=1, n_head=1, n_embd=8))
    batch = (torch.randint(7, (3, 8)), torch.randint(7, (3, 8)))
    assert torch.equal(gpt_recipe.loss(model, batch, None), lm_step(model, batch))


def test_evaluate_lm_weights_every_target_equally_and_restores_the_mode() -> None:
    torch.manual_seed(0)
    model = CharRNN(vocab_size=6, kind="gru", hidden=8, layers=1, emb_dim=4).train()
    a = (torch.randint(6, (3, 5)), torch.randint(6, (3, 5)))
    b = (torch.randint(6, (1, 5)), torch.randint(6, (1, 5)))
    with torch.no_grad():
        model.eval()
        expected = (lm_loss(model(a[0]), a[1]).item() * 15 + lm_loss(model(b[0]), b[1]).item() * 5) / 20
        model.train()
    assert evaluate_lm(model, [a, b]) == pytest.approx(expected, rel=1e-12)
    assert model.training


def test_random_windows_and_val_windows_are_shifted_pairs() -> None:
    data = torch.arange(500)
    x, y = next(iter(RandomWindows(data, block_size=10, batch_size=4, seed=0)))
    assert x.shape == (4, 10) and torch.equal(y, x + 1)
    again, _ = next(iter(RandomWindows(data, block_size=10, batch_size=4, seed=0)))
    assert torch.equal(x, again)  # each pass starts from the seed: two models see the same batches
    batches = val_windows(data, block_size=10, count=20, batch_size=8)
    assert [len(b[0]) for b in batches] == [8, 8, 4]
    assert all(torch.equal(b[1], b[0] + 1) for b in batches)
    assert batches[0][0][0, 0] == 0 and batches[-1][0][-1, 0] == 500 - 10 - 2  # spans the whole stream


def test_spaced_windows_covers_first_and_last_item() -> None:
    items = [(torch.tensor([i]), torch.tensor([i])) for i in range(10)]
    picked = torch.cat([x for x, _ in spaced_windows(items, count=4, batch_size=3)]).flatten().tolist()
    assert picked == [0, 3, 6, 9]
    assert len(list(spaced_windows(items, count=None, batch_size=3))) == 4  # all 10 items


def test_train_lm_learns_a_repeating_pattern() -> None:
    data = torch.arange(3000) % 7
    for model in (MiniGPT(GPTConfig(vocab_size=7, block_size=16, n_layer=1, n_head=2, n_embd=16)),
                  CharRNN(7, "lstm", hidden=16, layers=1, emb_dim=8)):
        run = train_lm(model, RandomWindows(data, block_size=16, batch_size=16), val_windows(data, block_size=16),
                       steps=80, lr=1e-2, warmup_steps=5, progress=False)
        assert run.steps == 80 and run.history.stopped == "max_steps" and run.ms_per_step > 0
        assert run.val_loss < 1.0  # uniform guessing is ln 7 = 1.95
        x, y = val_windows(data, block_size=16)[0]
        assert lm_loss(model(x), y).item() == pytest.approx(run.val_loss, abs=0.05)


def _lr_sequence(monkeypatch: pytest.MonkeyPatch, steps: int, **kwargs) -> tuple[list[float], float]:
    """The learning rate of each optimizer step of a ``train_lm`` run."""
    model = torch.nn.Embedding(7, 7)  # a bigram LM: (B, T) ids -> (B, T, 7) logits
    seen: list[float] = []
    real_step = torch.optim.AdamW.step

    def spy(self, *args, **kw):
        seen.append(self.param_groups[0]["lr"])
        return real_step(self, *args, **kw)

    data = torch.arange(400) % 7
    monkeypatch.setattr(torch.optim.AdamW, "step", spy)
    run = train_lm(model, RandomWindows(data, block_size=4, batch_size=2), val_windows(data, block_size=4),
                   steps=steps, progress=False, **kwargs)
    return seen, run.val_loss


def test_train_lm_default_schedule_is_warmup_then_cosine_to_a_tenth(monkeypatch: pytest.MonkeyPatch) -> None:
    lrs, _ = _lr_sequence(monkeypatch, 10, lr=1.0, warmup_steps=2)
    expected = [0.5, 1.0] + [0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (s - 2) / 8)) for s in range(2, 10)]
    assert lrs == pytest.approx(expected, rel=1e-12)


def test_train_lm_takes_a_scheduler_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    lrs, _ = _lr_sequence(monkeypatch, 10, lr=0.4, scheduler=one_cycle(0.4, 10, pct_start=0.2))
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.4)  # not the spied AdamW
    ref = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.4, total_steps=10, pct_start=0.2)
    expected = []
    for _ in range(10):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        ref.step()
    assert lrs == expected and lrs[0] == pytest.approx(0.4 / 25) and max(lrs) == pytest.approx(0.4)
