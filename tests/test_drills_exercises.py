"""The notebooks' exercise checks: each reference passes, a plausible wrong answer fails with a
message that points at the slip, an untouched stub is "not attempted", and each check is wired
into its notebook's check cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mlprep.drills import check_exercise, exercise_names, summarize
from mlprep.drills.exercises import get_exercise
from mlprep.errors import UsageError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


class PooledShortcut(nn.Module):  # subsamples by average pooling instead of taking every stride-th pixel
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.extra, self.stride = c_out - c_in, stride

    def forward(self, x):
        x = F.avg_pool2d(x, self.stride, ceil_mode=True) if self.stride > 1 else x
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))


class ProjectionShortcut(nn.Module):  # option B under option A's name
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)

    def forward(self, x):
        return self.conv(x)


class SplitPaddingShortcut(nn.Module):  # zeros on both sides of the input's channels: also option A
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.extra, self.stride = c_out - c_in, stride

    def forward(self, x):
        return F.pad(x[:, :, :: self.stride, :: self.stride], (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))


def leaves_bn_in_train_mode(model, x, y, batch_size):  # forgets to restore the model
    model.train()
    with torch.no_grad():
        return sum(int((model(a).argmax(1) == b).sum()) for a, b in zip(x.split(batch_size), y.split(batch_size), strict=True)) / len(y)


def evaluates_in_eval_mode(model, x, y, batch_size):  # measures the ordinary accuracy instead
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


class NearestUp(nn.Module):  # nearest-neighbour upsampling: not bilinear
    def __init__(self, c_in, c_out):
        super().__init__()
        self.up, self.conv = nn.Upsample(scale_factor=2), nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x):
        return self.conv(self.up(x))


def transposed_up(c_in, c_out):  # the decoder step the exercise replaces
    return nn.ConvTranspose2d(c_in, c_out, 2, stride=2)


def mean_cross_entropy(class_logits, cls, has_obj):  # averages where the other terms sum
    return F.cross_entropy(class_logits[has_obj], cls[has_obj])


def every_cell_cross_entropy(class_logits, cls, has_obj):  # forgets the mask: background cells too
    return F.cross_entropy(class_logits.flatten(0, 2), cls.flatten(), reduction="sum")


def shares_unclamped(boxes, grid, image_size):  # a centre on the far edge falls off the grid
    centres = ((boxes[:, :2] + boxes[:, 2:]) / 2 // (image_size / grid)).long()
    return (centres[:, None] == centres[None]).all(-1).sum(1) > 1


def overlaps_another(boxes, grid, image_size):  # overlap, not a shared cell
    import torchvision

    return (torchvision.ops.box_iou(boxes, boxes) > 0).sum(1) > 1


# name -> (a plausible wrong answer, words the first failure's message must contain)
WRONG = {
    "alexnet_receptive_field": [(9, "too small (each 2x2 max-pool doubles"), (32, "too large"),
                                (26.0, "expected a whole number")],
    "resnet_option_a_shortcut": [(PooledShortcut, "no pooling or interpolation"),
                                 (ProjectionShortcut, "adds no parameters")],
    "resnet20_projection_parameters": [(2560, "the 1x1 convolutions alone"), (5000, "too large")],
    "bn_train_mode_accuracy": [(leaves_bn_in_train_mode, "['running statistics unchanged']: expected True, got False"),
                               (evaluates_in_eval_mode, "['accuracy']: expected")],
    "unet_bilinear_up": [(NearestUp, "against bilinear x2, then your conv"), (transposed_up, "nn.ConvTranspose2d")],
    "yolo_class_cross_entropy": [(mean_cross_entropy, "expected 0, got nan"), (every_cell_cross_entropy, "expected")],
    "yolo_shares_a_cell": [(shares_unclamped, "expected True, got False"), (overlaps_another, "expected False, got True")],
}


def test_every_exercise_has_wrong_answers():
    assert set(WRONG) == set(exercise_names())


@pytest.mark.parametrize("name", exercise_names())
def test_the_reference_passes(name):
    result = check_exercise(name, get_exercise(name).solution(), quiet=True)
    assert result.status == "pass", result.report()


@pytest.mark.parametrize("name", exercise_names())
def test_an_untouched_stub_is_not_attempted(name):
    exercise = get_exercise(name)
    stubs = [None]
    if exercise.kind == "class":
        class Stub(nn.Module):
            def __init__(self, *args):
                raise NotImplementedError("exercise: write it here")
        stubs.append(Stub)
    elif exercise.kind == "function":
        def stub(*args):
            raise NotImplementedError("exercise: write it here")
        stubs.append(stub)
    for answer in stubs:
        result = check_exercise(name, answer, quiet=True)
        assert result.status == "not attempted", result.report()
        assert "not attempted yet" in result.report() and "FAIL" not in result.report()


@pytest.mark.parametrize(("name", "answer", "words"), [(n, a, w) for n, rows in WRONG.items() for a, w in rows])
def test_a_plausible_wrong_answer_fails_at_a_named_case(name, answer, words):
    result = check_exercise(name, answer, quiet=True)
    assert result.status == "fail", result.report()
    assert words in result.first_failure.message, result.report()
    assert "first failing case" in result.report() or result.first_failure.inputs == ""


def test_option_a_accepts_either_place_for_the_zero_channels():
    assert check_exercise("resnet_option_a_shortcut", SplitPaddingShortcut, quiet=True)


def test_a_number_answer_never_reveals_the_expected_value():
    for wrong in (9, 32, 2560):
        for name in ("alexnet_receptive_field", "resnet20_projection_parameters"):
            failure = check_exercise(name, wrong, quiet=True).first_failure
            expected = str(get_exercise(name).solution())
            assert expected not in failure.message + failure.expected + failure.got


def test_summarize_prints_one_line_per_exercise(capsys):
    summarize({"1 receptive field": check_exercise("alexnet_receptive_field", None, quiet=True),
               "2 parameters": check_exercise("resnet20_projection_parameters", 2560, quiet=True),
               "3 option A": check_exercise("resnet_option_a_shortcut", SplitPaddingShortcut, quiet=True)},
              discussion="4 and 5")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("exercise 1 receptive field") and lines[0].endswith("not attempted yet")
    assert "FAIL at 'parameters the projection shortcuts add to ResNetMini(20)': got 2560: too small" in lines[1]
    assert lines[2].endswith("PASS (4/4 cases)")
    assert lines[3] == "exercises 4 and 5: experiments to run and discuss, no check"


def test_an_unknown_exercise_is_a_usage_error_with_a_suggestion():
    with pytest.raises(UsageError, match="did you mean alexnet_receptive_field"):
        check_exercise("alexnet_receptive_feld", 3)


@pytest.mark.parametrize("name", exercise_names())
def test_each_check_is_in_its_notebooks_one_check_cell(name):
    exercise = get_exercise(name)
    cells = json.loads((NOTEBOOKS / f"{exercise.notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    checks = ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and "drills.summarize(" in "".join(c["source"])]
    assert len(checks) == 1, "one check cell per notebook, ending its exercises"
    assert f'check_exercise("{name}"' in checks[0]
