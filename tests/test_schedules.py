"""mlprep.schedules, the one home of learning-rate schedules: each schedule's LR sequence
against values worked out by hand or by torch's own scheduler, and every user routed through it."""

from __future__ import annotations

import inspect
import math

import pytest
import torch

from mlprep import schedules
from mlprep.recipes.config import RecipeConfig
from mlprep.recipes.engine import lr_at
from mlprep.schedules import (
    cosine_annealing,
    inverse_sqrt_warmup_lr,
    linear_warmup,
    one_cycle,
    scheduler,
    warmup_cosine,
    warmup_cosine_lr,
)


def _drive(make, steps: int, lr: float = 1.0) -> list[float]:
    """The LR of each of ``steps`` optimizer steps under the scheduler ``make(optimizer)``."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = make(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def test_warmup_cosine_schedule_drives_the_optimizer() -> None:
    lrs = _drive(lambda opt: scheduler(opt, lambda s: warmup_cosine(s, total_steps=10, warmup_steps=4)), 12)
    cosine = [0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * k / 6)) for k in range(6)]
    assert lrs == pytest.approx([0.25, 0.5, 0.75, 1.0] + cosine + [0.1, 0.1], rel=1e-12)  # floor from step 10


def test_warmup_cosine_lr_matches_the_recipes_formula() -> None:
    for step in range(0, 120, 7):
        progress = min((step - 10) / 90, 1.0)
        expected = 0.001 * (step + 1) / 10 if step < 10 else 1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + math.cos(math.pi * progress))
        assert warmup_cosine_lr(step, peak=1e-3, floor=1e-5, total_steps=100, warmup_steps=10) == expected
    assert warmup_cosine_lr(50, peak=0.3, floor=0.1, total_steps=5, warmup_steps=5) == 0.3  # nothing left to decay
    cfg = RecipeConfig(lr=2e-3, min_lr=2e-4, warmup_steps=3)
    assert [lr_at(s, cfg, 20) for s in range(25)] == [
        warmup_cosine_lr(s, peak=2e-3, floor=2e-4, total_steps=20, warmup_steps=3) for s in range(25)]
    assert lr_at(2, cfg, 20) == pytest.approx(2e-3) and lr_at(20, cfg, 20) == pytest.approx(2e-4)


def test_linear_warmup_then_constant() -> None:
    lrs = _drive(lambda opt: scheduler(opt, lambda s: linear_warmup(s, warmup_steps=4)), 6, lr=2.0)
    assert lrs == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.0, 2.0])


def test_inverse_sqrt_warmup_is_the_transformer_papers_formula() -> None:
    # Vaswani et al. 2017, eq. in section 5.3, with step_num = step + 1
    for step in (0, 1, 99, 3998, 3999, 4000, 10_000, 99_999):
        n = step + 1
        expected = 512 ** -0.5 * min(n ** -0.5, n * 4000 ** -1.5)
        assert inverse_sqrt_warmup_lr(step, d_model=512, warmup_steps=4000) == pytest.approx(expected, rel=1e-12)
    lrs = [inverse_sqrt_warmup_lr(s, d_model=64, warmup_steps=10, factor=2.0) for s in range(40)]
    assert max(lrs) == lrs[9] == pytest.approx(2.0 / math.sqrt(64 * 10))  # the peak ends the warm-up
    assert lrs[:10] == pytest.approx([lrs[9] * (s + 1) / 10 for s in range(10)])  # linear rise
    assert lrs[39] == pytest.approx(lrs[9] * math.sqrt(10 / 40))  # then 1 / sqrt(step)
    driven = _drive(lambda opt: scheduler(opt, lambda s: inverse_sqrt_warmup_lr(s, d_model=64, warmup_steps=10)), 5)
    assert driven == pytest.approx([inverse_sqrt_warmup_lr(s, d_model=64, warmup_steps=10) for s in range(5)])


def test_one_cycle_is_torchs_one_cycle() -> None:
    lrs = _drive(one_cycle(0.5, total_steps=20, pct_start=0.25), 20)
    reference = _drive(lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=20,
                                                                        pct_start=0.25), 20)
    assert lrs == reference
    assert lrs[0] == pytest.approx(0.5 / 25) and lrs[4] == pytest.approx(0.5)  # peak at 25% of 20 steps, minus one
    assert lrs[-1] == pytest.approx(0.5 / 25 / 1e4)
    assert len(_drive(one_cycle(0.5, total_steps=0, pct_start=0.25), 1)) == 1  # an empty loader: no error


def test_cosine_annealing_follows_the_closed_form() -> None:
    lrs = _drive(cosine_annealing(8), 9, lr=0.2)
    assert lrs == pytest.approx([0.2 * 0.5 * (1 + math.cos(math.pi * s / 8)) for s in range(9)], abs=1e-12)


def test_every_schedule_in_the_library_comes_from_mlprep_schedules() -> None:
    import mlprep.recipes.engine
    import mlprep.text.charrnn
    import mlprep.text.finetuning
    import mlprep.text.lm
    import mlprep.text.seq2seq
    import mlprep.vision.experiments
    import mlprep.vision.frcnn
    import mlprep.vision.loops
    import mlprep.vision.unet
    import mlprep.vision.yolo

    for module in (mlprep.recipes.engine, mlprep.text.charrnn, mlprep.text.finetuning, mlprep.text.lm,
                   mlprep.text.seq2seq, mlprep.vision.experiments, mlprep.vision.frcnn, mlprep.vision.loops,
                   mlprep.vision.unet, mlprep.vision.yolo):
        source = inspect.getsource(module)
        for written_here in ("lr_scheduler.", "math.cos"):
            assert written_here not in source, f"{module.__name__} builds its own schedule ({written_here})"
    assert "lr_scheduler." in inspect.getsource(schedules)


def test_dense_one_cycle_warms_up_for_a_fifth() -> None:
    from mlprep.vision.loops import one_cycle as dense_one_cycle

    lrs = _drive(dense_one_cycle(1.0, 10), 10)
    assert lrs == _drive(one_cycle(1.0, 10, pct_start=0.2), 10) and max(lrs) == lrs[1]
