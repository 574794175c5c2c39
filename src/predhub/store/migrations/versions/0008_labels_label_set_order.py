"""labels: index (label_set_id, id) for pages of a label set in id order

Listing a label set (`WHERE label_set_id = ? AND id > ? ORDER BY id LIMIT n`) went through the
(label_set_id, sample_id) index and sorted the whole label set for every page, on SQLite: a full
walk of a million-label set was quadratic.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_labels_label_set_order", "labels", ["label_set_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_labels_label_set_order", table_name="labels")
