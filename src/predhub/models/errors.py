"""The errors running a model can raise, under one root.

ModelError
├── UnknownModelError       deploy(model=...) names neither a bundled model nor a readable file
├── UnsupportedModelError   the file is readable but no adapter can run it (with the reason)
├── MissingDependencyError  an optional framework is not installed (also an ImportError), with the
│                           pip command that installs it
├── InputError              one input of predict() is bad (also a FieldError: ``input[3]``)
└── SettingsError           an unknown or malformed predict setting (also a FieldError)
"""

from __future__ import annotations

from predhub.core.errors import FieldError

__all__ = [
    "InputError",
    "MissingDependencyError",
    "ModelError",
    "SettingsError",
    "UnknownModelError",
    "UnsupportedModelError",
]


class ModelError(Exception):
    """Root of every error predhub.models raises on purpose."""


class UnknownModelError(ModelError, ValueError):
    pass


class UnsupportedModelError(ModelError, ValueError):
    pass


class MissingDependencyError(ModelError, ImportError):
    """An optional framework is missing; ``hint`` is the command that installs it."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.hint = f"pip install 'predhub[{extra}]'"
        super().__init__(f"{package} is not installed; this model needs it: {self.hint}")


class InputError(FieldError, ModelError):
    """A bad predict() input, ``field`` naming which one (``input``, ``input[2]``, ``frames.stride``)."""


class SettingsError(FieldError, ModelError):
    """A bad predict() setting, ``field`` naming it (``settings.nms_iou``, ``conf``, ``img_size``)."""
