"""labels: indexes on the label-level sort keys (score, highest confidence, object count)

Search sorts by one of these in two phases; the first walks the label set's labels in the key's order
along one of these indexes and stops after a page (search/sql.py, docs/search.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_labels_score": "score",
    "ix_labels_max_confidence": "max_confidence",
    "ix_labels_object_count": "object_count",
}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.create_index(name, "labels", ["label_set_id", column, "sample_id"])


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="labels")
