"""Search the catalog, ranked by TF-IDF cosine similarity (scikit-learn).

>>> from mlprep.quiz.question import Question
>>> qs = [Question("a", "technical", ("cnn",), "E", "Why use pooling?", "Downsampling."),
...       Question("b", "technical", ("nms",), "E", "What is NMS?", "Drop overlapping boxes.")]
>>> [q.id for q, score in search(qs, "overlapping boxes")]
['b']
"""

from __future__ import annotations

from collections.abc import Sequence

from mlprep.quiz.question import Question


def _document(q: Question) -> str:
    # The prompt counts twice: a match there says more than one deep in an answer.
    return " ".join([q.prompt, q.prompt, q.answer, " ".join(q.topics), " ".join(q.hints), q.id.replace("-", " ")])


def search(questions: Sequence[Question], query: str, limit: int = 10) -> list[tuple[Question, float]]:
    """Questions matching ``query``, best first, with their similarity scores (> 0)."""
    if not questions or not query.strip():
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
    try:
        matrix = vectorizer.fit_transform([_document(q) for q in questions])  # (n_questions, vocab)
    except ValueError:  # every document was stop words only
        return []
    scores = (matrix @ vectorizer.transform([query]).T).toarray().ravel()  # (n_questions,)
    order = sorted(range(len(questions)), key=lambda i: -scores[i])
    return [(questions[i], float(scores[i])) for i in order[:limit] if scores[i] > 0]
