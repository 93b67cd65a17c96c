"""A model card per project, under the Hugging Face model-card headings.

The headings follow the Hub's template (``huggingface_hub``'s ``modelcard_template.md``):
Model Details, Uses, Bias, Risks, and Limitations, Training Details, Evaluation and
Technical Specifications. Sections are plain data so the HTML page and the README
render the same card.

>>> from mlprep.portfolio.report import Report
>>> from mlprep.portfolio.projects import project_for
>>> [s.heading for s in model_card(Report(project_for("02_resnet"), "not yet run")) if s.level == 2]
['Model Details', 'Uses', 'Bias, Risks, and Limitations', 'Training Details', 'Evaluation', 'Technical Specifications']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mlprep.portfolio.projects import GENERIC_LIMITATIONS
from mlprep.portfolio.report import Report, format_value
from mlprep.sanitize import md_code, md_text

HEADINGS = (
    "Model Details",
    "Uses",
    "Bias, Risks, and Limitations",
    "Training Details",
    "Evaluation",
    "Technical Specifications",
)


@dataclass
class Section:
    """A heading (level 2 or 3) with paragraphs and bullet points of inline-Markdown text."""

    heading: str
    level: int = 2
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


def hardware_lines(report: Report) -> list[str]:
    """Where and how long it ran, from ``metrics.json`` and ``run.json``; measured only.
    Every recorded string is escaped (:func:`mlprep.sanitize.md_text`): the files are the
    user's, and the lines end up in HTML and Markdown."""
    results, run = report.results or {}, report.run or {}
    lines = []
    if results.get("device"):
        lines.append(f"Device: {md_text(results['device'])}")
    hardware = run.get("hardware") or {}
    if hardware.get("cpu"):
        lines.append(f"CPU: {md_text(hardware['cpu'])} ({md_text(hardware.get('cores', '?'))} logical cores)")
    if hardware.get("gpu"):
        lines.append(f"GPU: {md_text(hardware['gpu'])}")
    if report.runtime_s is not None and math.isfinite(report.runtime_s):
        lines.append(f"Notebook runtime: {report.runtime_s / 60:.1f} min ({report.runtime_s:.0f} s)")
    if isinstance(run.get("runtime_s"), (int, float)) and math.isfinite(run["runtime_s"]):
        lines.append(f"Headless run (`mlprep run`, including kernel start): {run['runtime_s'] / 60:.1f} min")
    if results.get("seed") is not None:
        lines.append(f"Seed: {md_text(results['seed'])}")
    if results.get("created"):
        lines.append(f"Recorded: {md_text(results['created'])}")
    return lines


def runtime_summary(report: Report) -> str:
    """One line: how long, on what (the model card's Hardware section has the details).

    >>> from mlprep.portfolio.projects import project_for
    >>> runtime_summary(Report(project_for("x"), "passed", results={"runtime_s": 90, "device": "cpu"}))
    '1.5 min on cpu'
    """
    if report.results is None:
        return "Not yet run."
    hardware = (report.run or {}).get("hardware") or {}
    where = md_text(report.results.get("device") or "an unrecorded device")
    detail = ", ".join(md_text(x) for x in (hardware.get("gpu") or hardware.get("cpu"),
                                         hardware.get("cores") and f"{hardware['cores']} cores") if x)
    minutes = f"{report.runtime_s / 60:.1f} min" if report.runtime_s is not None else "unrecorded time"
    return f"{minutes} on {where}" + (f" ({detail})" if detail else "")


def model_card(report: Report, author: str = "") -> list[Section]:
    """The model card sections for ``report`` (always all six top-level headings)."""
    p, ran = report.project, report.results is not None
    papers = "; ".join(f"[{title}]({url})" for title, url in p.papers) or "none"
    details = [
        f"**Model type:** {p.model or 'see the notebook'}",
        f"**Developed by:** {md_text(author) if author else 'the portfolio author'}, following the mlprep curriculum",
        f"**Paper:** {papers}",
        "**Framework:** PyTorch" + (
            f" {md_text(report.results['versions']['torch'])}"
            if ran and isinstance((report.results or {}).get("versions"), dict)
            and "torch" in report.results["versions"] else ""
        ),
    ]
    training_data = [p.training_data or "See the notebook."]
    for card in report.datasets:
        training_data.append(f"**{card.title}**: {card.summary}")
    procedure = "Not yet run: no training has been recorded." if not ran else (
        f"Trained from the notebook {md_code(p.stem + '.ipynb')} with seed {md_text(report.results.get('seed'))} on "
        f"{md_text(report.results.get('device', 'an unrecorded device'))}."
    )
    results_bullets = [
        f"{md_code(r['target'])} = {md_text(format_value(r['value']))} (target {md_text(r['condition'])}: "
        f"{'met' if r['ok'] else 'missed'})"
        for r in report.rows
    ]
    untargeted = [k for k in report.metrics if k not in {r["target"] for r in report.rows}]
    results_bullets += [f"{md_code(k)} = {md_text(format_value(report.metrics[k]))}" for k in untargeted]
    versions = (report.results or {}).get("versions", {})
    versions = versions if isinstance(versions, dict) else {}
    software = ", ".join(f"{md_text(k)} {md_text(v)}" for k, v in versions.items()) or "not recorded"
    return [
        Section("Model Details", paragraphs=[p.what] if p.what else [], bullets=details),
        Section("Uses", paragraphs=[
            "**Direct use:** learning and demonstrating the technique in interviews; "
            "a baseline to compare your own changes against.",
            "**Out-of-scope use:** any real-world decision or data unlike the training data; "
            "this is a teaching-scale model.",
        ]),
        Section("Bias, Risks, and Limitations", paragraphs=[
            p.limitations or "Not documented for this project.", GENERIC_LIMITATIONS,
        ]),
        Section("Training Details"),
        Section("Training Data", 3, paragraphs=training_data),
        Section("Training Procedure", 3, paragraphs=[procedure]),
        Section("Evaluation"),
        Section("Testing Data", 3, paragraphs=[p.evaluation_data or "See the notebook."]),
        Section("Results", 3, paragraphs=[] if ran else ["Not yet run: no results recorded."],
                bullets=results_bullets),
        Section("Technical Specifications"),
        Section("Hardware", 3, bullets=hardware_lines(report) or ["Not yet run."]),
        Section("Software", 3, paragraphs=[software]),
    ]
