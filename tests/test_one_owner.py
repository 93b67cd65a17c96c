"""Each piece of shared logic has one definition that every user imports (issue 15)."""

from __future__ import annotations

import pytest

from mlprep import errors, train
from mlprep.datasets import shakespeare
from mlprep.drills.catalog import iou, map50, nms
from mlprep.recipes import engine
from mlprep.text import tokenize


def test_word_tokenizer_is_datasets_words() -> None:
    from mlprep.datasets import wiki, words

    assert shakespeare.words is tokenize.words is wiki.words is words.words
    assert not hasattr(shakespeare, "tokenize_words") and not hasattr(shakespeare, "_WORD")


def test_recipes_share_fits_accelerate_setup_and_non_finite_check() -> None:
    assert engine.make_accelerator is train.make_accelerator and engine.check_finite is train.check_finite
    with pytest.raises(FloatingPointError, match=r"^loss became inf at step 7 on process 0; lower --lr$"):
        engine.check_finite(float("inf"), "at step 7 on process 0", "lower --lr")


def test_one_cli_error_handler(capsys: pytest.CaptureFixture[str]) -> None:
    from mlprep import cli, recipes

    assert cli.run_command is errors.run_command
    assert "run_command" in recipes.main.__code__.co_names or "run_command" in recipes.main.__code__.co_varnames

    def broken() -> int:
        raise errors.UsageError("bad input; do this instead")

    assert errors.run_command(broken) == 2
    assert capsys.readouterr().err == "error: bad input; do this instead\n"


def test_detection_drills_share_the_iou_drills_reference() -> None:
    assert nms.DRILL.helpers == (iou.iou,) and map50.DRILL.helpers == (iou.iou,)
    for drill in (nms.DRILL, map50.DRILL):
        assert drill.solution().count("def iou(") == 1
