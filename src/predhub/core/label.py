"""What one label set says about one sample: objects and image-level classifications."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from predhub.core.geometry import Geometry

__all__ = ["Answer", "Classification", "ClassificationKind", "Label", "LabelStatus", "Object"]


class ClassificationKind(enum.StrEnum):
    SINGLE = "single"  # radio
    MULTI = "multi"  # checklist
    TEXT = "text"  # free text


class LabelStatus(enum.StrEnum):
    PRELABEL = "prelabel"  # a model's proposal waiting for review (Segments.ai's "prelabeled")
    LABELED = "labeled"
    REVIEWED = "reviewed"


@dataclass(slots=True)
class Answer:
    """A chosen option; may carry follow-up classifications (nesting to any depth)."""

    name: str
    confidence: float | None = None
    classifications: list[Classification] = field(default_factory=list)


@dataclass(slots=True)
class Classification:
    """An answered question. ``answers`` for single/multi choice (one for single), ``text`` for text."""

    name: str
    kind: ClassificationKind
    answers: list[Answer] = field(default_factory=list)
    text: str | None = None
    confidence: float | None = None

    @classmethod
    def single(cls, name: str, answer: str | Answer, confidence: float | None = None) -> Classification:
        ans = answer if isinstance(answer, Answer) else Answer(answer)
        return cls(name, ClassificationKind.SINGLE, [ans], confidence=confidence)

    @classmethod
    def multi(cls, name: str, answers: list[str | Answer], confidence: float | None = None) -> Classification:
        items = [a if isinstance(a, Answer) else Answer(a) for a in answers]
        return cls(name, ClassificationKind.MULTI, items, confidence=confidence)

    @classmethod
    def free_text(cls, name: str, text: str, confidence: float | None = None) -> Classification:
        return cls(name, ClassificationKind.TEXT, text=text, confidence=confidence)

    @property
    def answer(self) -> str | None:
        """The single answer's name (single choice) or the text (free text)."""
        if self.kind is ClassificationKind.TEXT:
            return self.text
        return self.answers[0].name if self.answers else None


@dataclass(slots=True)
class Object:
    """One object in a label: a class, its geometry in absolute pixels and how sure the source was."""

    class_name: str
    geometry: Geometry
    confidence: float = 1.0
    classifications: list[Classification] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(slots=True)
class Label:
    """What one label set (ground truth or a model run) says about one sample, keyed by sample key."""

    sample_key: str
    objects: list[Object] = field(default_factory=list)
    classifications: list[Classification] = field(default_factory=list)
    score: float | None = None
    status: LabelStatus = LabelStatus.LABELED
