"""The one error the core raises about a piece of data: what is wrong, and at which field."""

from __future__ import annotations

__all__ = ["FieldError"]


class FieldError(ValueError):
    """A value that is malformed or not allowed, with the dotted path to it (``objects[3].box.width``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    def under(self, prefix: str) -> FieldError:
        """The same error seen from an enclosing record (``prefix.field``)."""
        joined = (
            f"{prefix}.{self.field}" if self.field and not self.field.startswith("[") else prefix + self.field
        )
        return FieldError(joined, self.message)
