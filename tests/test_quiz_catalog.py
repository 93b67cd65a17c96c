"""The starter catalog and the validator the CLI uses; malformed files are rejected cleanly."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from mlprep.cli import main
from mlprep.quiz import question as catalog_mod
from mlprep.quiz.catalog import SEEDS_DIR, load_catalog

REQUIRED_TOPICS = (
    "classification cnn alexnet resnet batchnorm augmentation segmentation unet detection yolo "
    "faster-rcnn map nms tfidf rnn lstm word2vec embeddings transformer attention gpt bert "
    "fundamentals optimisation regularisation evaluation ml-design coding behavioral ask-company seq2seq ner qa"
).split()
NOTEBOOK_STEMS = {
    "00_start_here", "01_image_classification", "02_resnet", "03_image_segmentation",
    "04_detection_yolo", "05_detection_faster_rcnn", "06_tfidf", "07_rnn_language_model",
    "08_word_embeddings", "09_attention_gpt", "10_bert_finetuning", "11_seq2seq_translation",
    "12_token_classification", "13_extractive_qa",
}
GOOD = """- id: good-q
  kind: technical
  topics: [cnn]
  difficulty: E
  prompt: "A fine question?"
  answer: Yes.
"""


def test_seed_catalog_is_valid_and_big_enough():
    catalog = load_catalog(include_user=False)
    assert catalog.errors == []
    assert len(catalog) >= 200
    kinds = Counter(q.kind for q in catalog)
    assert kinds["ask_company"] >= 25
    assert set(kinds) == set(catalog_mod.KINDS)
    assert all(q.answer.strip() for q in catalog), "every starter question has an answer"


def test_every_curriculum_topic_has_three_questions():
    topics = Counter(t for q in load_catalog(include_user=False) for t in q.topics)
    thin = {t: topics[t] for t in REQUIRED_TOPICS if topics[t] < 3}
    assert not thin, f"topics with fewer than 3 questions: {thin}"


def test_each_paper_is_covered_and_links_resolve():
    catalog = load_catalog(include_user=False)
    for link in (link for q in catalog for link in q.links):
        if link.startswith("notebooks/"):
            assert Path(link).stem in NOTEBOOK_STEMS and link.endswith(".ipynb"), link
        else:
            assert link.startswith("https://"), link
    arxiv = {link for q in catalog for link in q.links if "arxiv.org" in link}
    for paper in ("1512.03385", "1505.04597", "1506.02640", "1506.01497", "1301.3781",
                  "1706.03762", "1810.04805", "1409.3215", "1409.0473"):
        assert any(paper in link for link in arxiv), paper
    text = " ".join(q.prompt + q.answer for q in catalog)
    assert "AlexNet" in text and "GPT" in text


def test_ids_are_unique_and_stable_format():
    ids = [q.id for path in catalog_mod.question_files(SEEDS_DIR) for q in catalog_mod.parse_file(path)]
    assert len(ids) == len(set(ids))
    assert all(re.match(r"^[a-z0-9][a-z0-9._-]*$", i) for i in ids)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (GOOD + "- id: bad\n  kind: quiz\n  topics: [a]\n  difficulty: E\n  prompt: p\n", 7, "unknown kind 'quiz'"),
        (GOOD + "- id: bad\n  kind: technical\n  topics: [a]\n  prompt: p\n", 7, "missing field(s): difficulty"),
        (GOOD + "- id: bad\n  kind: technical\n  prompt: [unclosed\n", 9, "invalid YAML"),
        (GOOD + GOOD, 7, "duplicate id 'good-q'"),
        (GOOD + "- id: bad\n  kind: technical\n  topics: [a]\n  difficulty: E\n  prompt: p\n  answr: x\n", 7, "unknown field(s) answr"),
    ],
)
def test_malformed_yaml_names_file_and_line(tmp_path, text, line, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(catalog_mod.CatalogFileError) as info:
        catalog_mod.parse_file(path)
    assert info.value.line == line, str(info.value)
    assert fragment in str(info.value) and str(path) in str(info.value)


def test_markdown_front_matter_and_errors(tmp_path):
    good = tmp_path / "q.md"
    good.write_text("---\nid: a\nkind: coding\ntopics: coding\ndifficulty: h\nprompt: P?\n---\n"
                    "Answer *one*.\n\n---\nid: b\nkind: behavioral\ntopics: [behavioral]\n"
                    "difficulty: E\nprompt: Q?\n---\n")
    a, b = catalog_mod.parse_file(good)
    assert (a.id, a.difficulty, a.answer, b.answer) == ("a", "H", "Answer *one*.", "")
    bad = tmp_path / "bad.md"
    bad.write_text("---\nid: a\nkind: coding\ntopics: x\ndifficulty: E\nprompt: P?\n---\nok\n---\nid: c\n")
    with pytest.raises(catalog_mod.CatalogFileError, match=r"bad\.md:9: front matter opened"):
        catalog_mod.parse_file(bad)


def test_cli_reports_bad_file_exits_2_and_still_loads_the_rest(home, capsys):
    questions = home / "questions"
    questions.mkdir(parents=True)
    (questions / "mine.yaml").write_text(GOOD)
    (questions / "broken.md").write_text("---\nid: x\nkind: nope\ntopics: a\ndifficulty: E\nprompt: P\n---\n")
    assert main(["quiz", "list", "--json"]) == 2
    out, err = capsys.readouterr()
    assert f"{questions / 'broken.md'}:1: unknown kind 'nope'" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert '"id": "good-q"' in out and '"id": "resnet-why-residual"' in out
    assert main(["quiz", "validate", str(questions / "broken.md")]) == 2
    assert main(["quiz", "validate", str(questions / "mine.yaml")]) == 0


def test_user_question_overrides_starter(home):
    questions = home / "questions"
    questions.mkdir(parents=True)
    (questions / "nms-what.md").write_text(
        "---\nid: nms-what\nkind: technical\ntopics: [nms]\ndifficulty: E\nprompt: My NMS?\n---\nMine.\n")
    catalog = load_catalog()
    assert catalog.get("nms-what").answer == "Mine." and not catalog.errors
