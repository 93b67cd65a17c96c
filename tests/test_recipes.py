"""The training recipes on CPU: sharding, settings, exact resume, results, offline datasets."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from mlprep import checkpoint
from mlprep.errors import UsageError
from mlprep.recipes import classify, detect, gpt, main
from mlprep.recipes.config import parse_config
from mlprep.recipes.engine import latest_checkpoint, train
from mlprep.recipes.sharding import GlobalBatchSampler

TINY_CLASSIFY = ["--dataset", "digits", "--model", "cnn", "--width", "8", "--batch-size", "64", "--lr", "0.01",
                 "--warmup-steps", "3", "--device", "cpu", "--log-every", "5"]


@pytest.fixture(autouse=True)
def _quiet_threads(tmp_home):
    torch.set_num_threads(1)  # the CI box is small and shared; these models are tiny


# --- sharding -------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "batch", "procs"), [(10, 4, 2), (1078, 45, 2), (101, 10, 3), (9, 4, 4), (7, 7, 1)])
def test_every_sample_once_per_epoch(n, batch, procs):
    sampler = GlobalBatchSampler(n, batch_size=batch, num_processes=procs, seed=1)
    pieces = list(sampler)
    assert len(pieces) == len(sampler) == sampler.batches_per_epoch * procs
    assert sorted(i for piece in pieces for i in piece) == list(range(n))
    assert all(piece for piece in pieces)  # no process ever gets an empty piece
    ranks = [pieces[r::procs] for r in range(procs)]  # what accelerate deals to each process
    assert len({len(r) for r in ranks}) == 1  # the same number of steps everywhere


def test_global_batches_do_not_depend_on_the_number_of_processes():
    one = list(GlobalBatchSampler(50, batch_size=8, num_processes=1, seed=5))
    two = list(GlobalBatchSampler(50, batch_size=8, num_processes=2, seed=5))
    assert one == [a + b for a, b in zip(two[::2], two[1::2], strict=True)]


def test_epochs_shuffle_differently_and_skip_resumes_mid_epoch():
    sampler = GlobalBatchSampler(40, batch_size=8, seed=0)
    first = list(sampler)
    sampler.position(epoch=1)
    second = list(sampler)
    assert first != second
    sampler.position(epoch=1, skip=3)
    assert list(sampler) == second[3:]


# --- settings -------------------------------------------------------------------------------


def test_yaml_then_flags(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("dataset: digits\nmax-steps: 7\nlr: 0.5\n")
    cfg = parse_config(classify.ClassifyConfig, ["--config", str(path), "--lr", "0.1", "--no-augment"])
    assert (cfg.dataset, cfg.max_steps, cfg.lr, cfg.augment) == ("digits", 7, 0.1, False)
    path.write_text("learning_rate: 0.1\n")
    with pytest.raises(UsageError, match="learning_rate"):
        parse_config(classify.ClassifyConfig, ["--config", str(path)])


def test_cli_errors_are_one_line(capsys):
    assert main(classify.RECIPE, classify.ClassifyConfig, ["--dataset", "imagenet", "--device", "cpu"]) == 2
    assert capsys.readouterr().err.strip().startswith("error: classify trains on")
    assert main(classify.RECIPE, classify.ClassifyConfig, [*TINY_CLASSIFY, "--mixed-precision", "fp16"]) == 2


# --- classify: results, checkpoints, exact resume -------------------------------------------


def test_resume_reaches_the_same_parameters(tmp_path):
    # BatchNorm, augmentation and an epoch boundary (17 steps per epoch) inside the resumed part.
    args = [*TINY_CLASSIFY, "--max-steps", "22", "--save-every", "6"]
    full = train(parse_config(classify.ClassifyConfig, [*args, "--out", str(tmp_path / "full")]), classify.RECIPE)
    saved = tmp_path / "full" / "checkpoints" / "step_0000012.safetensors"
    assert checkpoint.load(saved)["step"] == 12
    resumed = train(parse_config(classify.ClassifyConfig, [*args, "--out", str(tmp_path / "resumed"),
                                                          "--resume", str(saved)]), classify.RECIPE)
    assert resumed.step == full.step == 22
    expected, got = full.model.state_dict(), resumed.model.state_dict()
    for name in expected:
        assert torch.equal(expected[name], got[name]), name
    assert resumed.final_loss == full.final_loss
    metrics = json.loads((tmp_path / "resumed" / "recipe_classify" / "metrics.json").read_text())
    full_metrics = json.loads((tmp_path / "full" / "recipe_classify" / "metrics.json").read_text())
    assert metrics["metrics"]["steps"] == 22
    assert metrics["metrics"]["val_accuracy"] == full_metrics["metrics"]["val_accuracy"]  # same model, same score
    assert latest_checkpoint(tmp_path / "full").name == "step_0000022.safetensors"


def test_bf16_mixed_precision_runs_on_cpu(tmp_path):
    cfg = parse_config(classify.ClassifyConfig, [*TINY_CLASSIFY, "--max-steps", "2", "--mixed-precision", "bf16",
                                                 "--out", str(tmp_path)])
    summary = train(cfg, classify.RECIPE)
    assert np.isfinite(summary.final_loss) and summary.step == 2
    assert all(p.dtype == torch.float32 for p in summary.model.parameters())  # bf16 compute, fp32 weights


# --- CIFAR-10 from a small local copy in torchvision's format --------------------------------


def _write_cifar(root: Path, per_batch: int = 4) -> dict[str, np.ndarray]:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)  # rows: 1024 R, 1024 G, 1024 B
        labels = rng.integers(0, 10, per_batch).tolist()
        (folder / name).write_bytes(pickle.dumps({"data": data, "labels": labels, "batch_label": name}))
        written[name] = data
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": list(classify.NUM_CLASSES)}))
    return written


def test_cifar10_reads_a_local_copy(tmp_path, monkeypatch):
    import torchvision.datasets.cifar as tv_cifar

    from mlprep.recipes.data import cifar10

    written = _write_cifar(tmp_path)
    # torchvision checks each file's MD5 against the real release; a small copy cannot match.
    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *args, **kwargs: True)
    train_set, val_set, test_set = (cifar10(s, tmp_path, download=False) for s in ("train", "val", "test"))
    assert (len(train_set), len(val_set), len(test_set)) == (18, 2, 4)
    image, _ = test_set[0]
    assert image.dtype == torch.uint8 and image.shape == (3, 32, 32)
    assert torch.equal(image.flatten(), torch.from_numpy(written["test_batch"][0]))  # channel-major, like the file
    cfg = parse_config(classify.ClassifyConfig, ["--dataset", "cifar10", "--data-dir", str(tmp_path), "--model", "cnn",
                                                 "--width", "4", "--batch-size", "6", "--max-steps", "2",
                                                 "--device", "cpu", "--out", str(tmp_path / "run")])
    assert train(cfg, classify.RECIPE).step == 2


def test_cifar10_missing_says_what_to_do(tmp_path):
    from mlprep.recipes.data import cifar10

    with pytest.raises(UsageError, match="--download"):
        cifar10("train", tmp_path, download=False)


# --- detection ------------------------------------------------------------------------------


def test_penn_fudan_folder_gives_boxes_from_masks(tmp_path):
    from PIL import Image

    from mlprep.recipes.data import PennFudan

    (tmp_path / "PNGImages").mkdir()
    (tmp_path / "PedMasks").mkdir()
    for i in range(5):
        Image.fromarray(np.full((40, 60, 3), 50 * i, np.uint8)).save(tmp_path / "PNGImages" / f"P{i}.png")
        mask = np.zeros((40, 60), np.uint8)
        mask[5:20, 10:18] = 1
        mask[10:35, 30:50] = 2
        Image.fromarray(mask).save(tmp_path / "PedMasks" / f"P{i}_mask.png")
    train_set, val_set = PennFudan(tmp_path, "train"), PennFudan(tmp_path, "val")
    assert (len(train_set), len(val_set)) == (4, 1)
    image, target = val_set[0]
    assert image.shape == (3, 40, 60)
    assert target["boxes"].tolist() == [[10, 5, 18, 20], [30, 10, 50, 35]]
    assert target["labels"].tolist() == [1, 1]
    with pytest.raises(UsageError, match="--data-dir"):
        detect.build_data(parse_config(detect.DetectConfig, ["--dataset", "penn-fudan"]))


def test_detect_recipe_trains_and_reports_map(tmp_path):
    cfg = parse_config(detect.DetectConfig, ["--train-samples", "8", "--eval-samples", "4", "--width", "8",
                                             "--batch-size", "4", "--max-steps", "2", "--device", "cpu",
                                             "--out", str(tmp_path)])
    summary = train(cfg, detect.RECIPE)
    assert summary.step == 2 and np.isfinite(summary.final_loss)
    recorded = json.loads((tmp_path / "recipe_detect" / "metrics.json").read_text())["metrics"]
    assert np.isfinite(summary.metrics["val_map50"]) and recorded["val_map50"] == summary.metrics["val_map50"]


def test_detect_mobilenet_model_builds_without_downloading():
    cfg = parse_config(detect.DetectConfig, ["--dataset", "penn-fudan", "--min-size", "64", "--max-size", "64"])
    model = detect.build_model(cfg, type("Folder", (), {"classes": ("pedestrian",)})()).eval()
    with torch.no_grad():
        out = model([torch.rand(3, 48, 64)])
    assert model.roi_heads.box_predictor.cls_score.out_features == 2 and set(out[0]) == {"boxes", "labels", "scores"}


# --- GPT ------------------------------------------------------------------------------------


def test_gpt_recipe_trains_samples_and_resumes(tmp_path, capsys):
    args = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "8",
            "--eval-samples", "8", "--eval-every", "0", "--sample-chars", "20", "--device", "cpu",
            "--max-steps", "4", "--save-every", "2"]
    full = train(parse_config(gpt.GPTRecipeConfig, [*args, "--out", str(tmp_path / "full")]), gpt.RECIPE)
    assert "---- sample ----\nROMEO:" in capsys.readouterr().out
    assert full.metrics["val_loss"] < np.log(81) + 0.5  # near or below a uniform guess over 81 characters
    resumed = train(parse_config(gpt.GPTRecipeConfig, [*args, "--out", str(tmp_path / "resumed"),
                                                      "--resume", str(tmp_path / "full" / "checkpoints" /
                                                                      "step_0000002.safetensors")]), gpt.RECIPE)
    for name, value in full.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[name]), name
