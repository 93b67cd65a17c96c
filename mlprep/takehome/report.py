"""The grade report: criteria with weights, what was found, what it cost and how to fix it;
then five follow-up questions an interviewer would ask about the submission, which the quiz can
take in (:func:`add_to_quiz`).

>>> r = Report("routing", "Route incoming speeches", seed=1, folder="x", score=40)
>>> r.criteria.append(Criterion("metric", "hidden-test macro_f1", 40, 40, "macro_f1 0.600", "", ""))
>>> print(r.render().splitlines()[0])
take-home grade: routing (Route incoming speeches): 40/100
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlprep.quiz.question import Question
    from mlprep.takehome.assignments import Assignment


@dataclass
class Criterion:
    key: str
    title: str
    weight: float
    points: float
    found: str
    cost: str  # what it cost (empty when full marks)
    fix: str  # how to get the points back


@dataclass
class Report:
    assignment: str
    title: str
    seed: int  # of the hidden test set: grading again with it gives the same test set
    folder: str
    score: int = 0
    criteria: list[Criterion] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # e.g. "leaky field: desk", "non-deterministic"
    fails: list[str] = field(default_factory=list)  # instant fails; each caps the score
    metric: dict[str, Any] = field(default_factory=dict)
    leak: dict[str, Any] = field(default_factory=dict)
    reproducible: bool | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    graded_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        """The report as text: the score, a line per criterion, the runs, the questions."""
        lines = [f"take-home grade: {self.assignment} ({self.title}): {self.score}/100"]
        if self.fails:
            lines.append(f"  instant fail (score capped at 49): {'; '.join(self.fails)}")
        if self.flags:
            lines.append(f"  flagged: {', '.join(self.flags)}")
        lines.append("")
        for c in self.criteria:
            lines.append(f"  [{c.points:4.1f}/{c.weight:g}] {c.title}: {c.found}")
            if c.cost:
                lines.append(f"              cost {c.weight - c.points:.1f}: {c.cost}" + (f"; fix: {c.fix}" if c.fix else ""))
        lines.append("")
        for i, run in enumerate(self.runs, 1):
            lines.append(f"  run {i}: {run['status']}" + (f"; {run['problem']}" if run["problem"] else ""))
            if run["exit_code"] not in (0,) and run["output_tail"]:
                tail = run["output_tail"].strip().splitlines()[-6:]
                lines.extend(f"      | {t[:200]}" for t in tail)
        lines.append(f"  hidden test set seed {self.seed} (grade again with --seed {self.seed} for the same set); "
                     f"{self.runs[0]['offline'] if self.runs else ''}")
        lines.append("")
        lines.append("five questions an interviewer would ask about this submission:")
        lines.extend(f"  {i}. {q}" for i, q in enumerate(self.follow_ups, 1))
        return "\n".join(lines)


def _first_sentence(text: str) -> str:
    body = " ".join(line for line in text.splitlines() if line.strip() and not line.startswith("_"))
    sentence = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0]
    return sentence[:200].strip(" -*")


def follow_up_questions(assignment: Assignment, report: Report, sections: dict[str, str]) -> list[str]:
    """Five questions: the traps this submission fell into or avoided, its own README, the
    assignment's other traps. Specific to what the grader found, so each is worth rehearsing."""
    column = assignment.leak_column
    questions = []
    if report.leak.get("follows"):
        questions.append(f"Your predictions follow the `{column}` field, which is independent of the label in "
                         "production. Why does it look so predictive in the training data, and how would you have "
                         "caught it before shipping?")
    else:
        questions.append(f"`{column}` predicts the label almost perfectly in the training data. Did you notice? "
                         "How do you decide whether a field may be used at prediction time?")
    metric = report.metric
    gap = next((c for c in report.criteria if c.key == "validation"), None)
    if gap is not None and gap.points < 10 and metric.get("value") is not None:
        questions.append(f"{gap.found[0].upper() + gap.found[1:]}. What in your validation split made the estimate "
                         "differ from what production gave?")
    else:
        questions.append("Walk me through your validation split. Why does it mimic how the model will be used?")
    if report.reproducible is False:
        questions.append("Two runs of your command gave different predictions. Where does the randomness come "
                         "from, and how do you make a result reproducible for a reviewer?")
    limits = _first_sentence(sections.get("Limitations and next steps", ""))
    if limits:
        questions.append(f'Your README says: "{limits}" With one more week, what would you do first, and how '
                         "would you know it worked?")
    else:
        questions.append("Your README says little about limitations. What are the two biggest weaknesses of your "
                         "solution, and what would you do next?")
    results = _first_sentence(sections.get("Results", ""))
    if results:
        questions.append(f'You report: "{results}" How would you present that number to a '
                         f"{assignment.company} manager who asks whether to ship?")
    questions.extend(assignment.follow_ups)
    questions.append(f"Why is {metric.get('name', 'the metric')} the right metric for {assignment.company}, and "
                     "what would you say to a manager who asks for accuracy instead?")
    unique = list(dict.fromkeys(questions))
    return unique[:5]


def add_to_quiz(report: Report, home: Path | None = None) -> list[Question]:
    """Add the report's follow-up questions to your own catalog (``mlprep quiz review`` finds
    them under the topic ``take-home``); returns the questions as saved."""
    from mlprep.quiz.catalog import add_user_question, load_catalog, new_question_id
    from mlprep.quiz.question import question_from_dict

    taken = set(load_catalog(home=home).questions)
    saved = []
    for prompt in report.follow_ups:
        data = {"id": new_question_id(prompt, taken), "kind": "technical", "topics": ["take-home", report.assignment],
                "difficulty": "M", "prompt": prompt, "answer": "",
                "hints": ["Answer from your own submission: its README, its numbers, its split."],
                "source": f"mlprep takehome grade ({report.assignment}, {report.graded_at[:10]}, score {report.score})"}
        question = add_user_question(question_from_dict(data, path="<takehome report>"), home)
        taken.add(question.id)
        saved.append(question)
    return saved
