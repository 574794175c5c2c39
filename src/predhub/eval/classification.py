"""Classification evaluation: single and multiple choice (nested to any depth) and free text.

Questions are compared sample by sample. A nested question (an answer's follow-up) is named by its
path, ``weather/rain/intensity``, and is asked only where the ground truth chose its parent answer —
a prediction that chose another parent simply has no answer there, which counts as wrong.

- single choice: accuracy, a confusion matrix over the options (plus ``<none>`` when a prediction
  gave no answer; the sample keys behind each cell kept), per-option precision / recall / F1;
- multiple choice: exact-set accuracy and per-option precision / recall / F1 (each option a yes/no);
- free text: exact-match rate and character error rate, ``sum(edit distance) / sum(len(truth))``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from predhub.core.label import Answer, Classification, ClassificationKind, Label
from predhub.eval.confusion import ConfusionMatrix

__all__ = [
    "ChoiceResult",
    "ClassificationEvaluation",
    "TextResult",
    "character_error_rate",
    "edit_distance",
    "evaluate_classifications",
]

NONE = "<none>"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance over characters (insertion, deletion, substitution each cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def character_error_rate(truths: Sequence[str], predictions: Sequence[str]) -> float:
    """Corpus CER: total edits over total ground-truth characters (0 when both are empty)."""
    edits = sum(edit_distance(t, p) for t, p in zip(truths, predictions, strict=True))
    chars = sum(len(t) for t in truths)
    return edits / chars if chars else float(edits > 0)


@dataclass(slots=True)
class ChoiceResult:
    question: str
    kind: ClassificationKind
    samples: int
    accuracy: float
    options: list[str]
    precision: dict[str, float | None]
    recall: dict[str, float | None]
    f1: dict[str, float | None]
    confusion: ConfusionMatrix | None = None  # single choice only

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "kind": self.kind.value,
            "samples": self.samples,
            "accuracy": self.accuracy,
            "per_option": {
                o: {"precision": self.precision[o], "recall": self.recall[o], "f1": self.f1[o]}
                for o in self.options
            },
        }
        if self.confusion is not None:
            out["confusion"] = self.confusion.to_dict()
        return out


@dataclass(slots=True)
class TextResult:
    question: str
    samples: int
    exact_match: float
    cer: float
    per_sample_cer: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "kind": "text", "samples": self.samples,
                "exact_match": self.exact_match, "cer": self.cer}  # fmt: skip


@dataclass(slots=True)
class ClassificationEvaluation:
    questions: dict[str, ChoiceResult | TextResult]

    def to_dict(self) -> dict[str, Any]:
        return {name: q.to_dict() for name, q in self.questions.items()}

    def __str__(self) -> str:
        lines = []
        for name, q in self.questions.items():
            if isinstance(q, TextResult):
                lines.append(f"{name:<30} text   n={q.samples:<6} exact={q.exact_match:.3f} cer={q.cer:.3f}")
            else:
                lines.append(f"{name:<30} {q.kind.value:<6} n={q.samples:<6} accuracy={q.accuracy:.3f}")
        return "\n".join(lines)


def _flatten(
    classifications: Sequence[Classification], prefix: str = ""
) -> Iterator[tuple[str, Classification]]:
    for c in classifications:
        path = f"{prefix}{c.name}"
        yield path, c
        for ans in c.answers:
            yield from _flatten(ans.classifications, f"{path}/{ans.name}/")


def _answers(c: Classification) -> list[Answer]:
    return list(c.answers)


def _prf(tp: float, fp: float, fn: float) -> tuple[float | None, float | None, float | None]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None
    return p, r, f


def evaluate_classifications(gt: Sequence[Label], predictions: Sequence[Label]) -> ClassificationEvaluation:
    """Compare the sample-level classifications of two label sets, question by question."""
    pred_by_key = {lab.sample_key: dict(_flatten(lab.classifications)) for lab in predictions}
    per_question: dict[str, list[tuple[str, Classification, Classification | None]]] = {}
    for lab in gt:
        preds = pred_by_key.get(lab.sample_key, {})
        for path, c in _flatten(lab.classifications):
            per_question.setdefault(path, []).append((lab.sample_key, c, preds.get(path)))
    results: dict[str, ChoiceResult | TextResult] = {}
    for path, rows in per_question.items():
        kind = rows[0][1].kind
        if kind is ClassificationKind.TEXT:
            results[path] = _text(path, rows)
        elif kind is ClassificationKind.SINGLE:
            results[path] = _single(path, rows)
        else:
            results[path] = _multi(path, rows)
    return ClassificationEvaluation(results)


def _text(path: str, rows: list[tuple[str, Classification, Classification | None]]) -> TextResult:
    truths = [c.text or "" for _, c, _ in rows]
    preds = [(p.text or "") if p is not None else "" for _, _, p in rows]
    per = {}
    for (key, _, _), t, p in zip(rows, truths, preds, strict=True):
        per[key] = edit_distance(t, p) / len(t) if t else float(bool(p))
    exact = float(np.mean([t == p for t, p in zip(truths, preds, strict=True)])) if rows else 0.0
    return TextResult(path, len(rows), exact, character_error_rate(truths, preds), per)


def _single(path: str, rows: list[tuple[str, Classification, Classification | None]]) -> ChoiceResult:
    truth = [c.answer or NONE for _, c, _ in rows]
    pred = [(p.answer or NONE) if p is not None else NONE for _, _, p in rows]
    options = sorted(set(truth) | set(pred) - {NONE})
    classes = [*options, NONE] if NONE in pred or NONE in truth else options
    idx = {c: i for i, c in enumerate(classes)}
    r = np.array([idx[t] for t in truth], dtype=np.int64)
    c = np.array([idx[p] for p in pred], dtype=np.int64)
    keys = np.array([key for key, _, _ in rows], dtype=object)
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(matrix, (r, c), 1)
    cm = ConfusionMatrix(classes, matrix, r, c, keys, keys.copy())
    precision, recall, f1 = {}, {}, {}
    for o in options:
        i = idx[o]
        tp = float(matrix[i, i])
        precision[o], recall[o], f1[o] = _prf(
            tp, float(matrix[:, i].sum()) - tp, float(matrix[i, :].sum()) - tp
        )
    acc = float(np.mean(r == c)) if rows else 0.0
    return ChoiceResult(path, ClassificationKind.SINGLE, len(rows), acc, options, precision, recall, f1, cm)


def _multi(path: str, rows: list[tuple[str, Classification, Classification | None]]) -> ChoiceResult:
    truth = [{a.name for a in _answers(c)} for _, c, _ in rows]
    pred = [{a.name for a in _answers(p)} if p is not None else set() for _, _, p in rows]
    options = sorted(set().union(*truth, *pred)) if rows else []
    precision, recall, f1 = {}, {}, {}
    for o in options:
        t = np.array([o in s for s in truth])
        p = np.array([o in s for s in pred])
        precision[o], recall[o], f1[o] = _prf(
            float((t & p).sum()), float((~t & p).sum()), float((t & ~p).sum())
        )
    acc = float(np.mean([t == p for t, p in zip(truth, pred, strict=True)])) if rows else 0.0
    return ChoiceResult(path, ClassificationKind.MULTI, len(rows), acc, options, precision, recall, f1)
