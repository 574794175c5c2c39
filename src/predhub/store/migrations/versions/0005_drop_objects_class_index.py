"""objects: drop ix_objects_class, which no query uses any more

Search counts classes through label_class_stats, evaluation reads a label set's objects by
(label_set_id, sample_id) through uq_objects_label_position, and the confusion drill-down joins by
object id. The index only cost ingest speed: about a fifth of the time of inserting box rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_objects_class", table_name="objects")


def downgrade() -> None:
    op.create_index("ix_objects_class", "objects", ["label_set_id", "class"], unique=False)
