"""label class stats for search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("labels") as batch:
        batch.add_column(sa.Column("max_confidence", sa.Float(), nullable=True))
    op.create_table(
        "label_class_stats",
        sa.Column("label_set_id", Id, nullable=False),
        sa.Column("sample_id", Id, nullable=False),
        sa.Column("class", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("max_confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_set_id", "sample_id"],
            ["labels.label_set_id", "labels.sample_id"],
            ondelete="CASCADE",
            name="fk_label_class_stats_label",
        ),
        sa.PrimaryKeyConstraint("label_set_id", "sample_id", "class", name=op.f("pk_label_class_stats")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_label_class_stats_count", "label_class_stats", ["label_set_id", "class", "count"])
    # Labels stored before this migration get their stats now.
    op.execute(
        "INSERT INTO label_class_stats (label_set_id, sample_id, class, count, max_confidence) "
        "SELECT label_set_id, sample_id, class, count(*), max(confidence) FROM objects "
        "GROUP BY label_set_id, sample_id, class"
    )
    op.execute(
        "UPDATE labels SET max_confidence = (SELECT max(o.confidence) FROM objects o "
        "WHERE o.label_set_id = labels.label_set_id AND o.sample_id = labels.sample_id)"
    )


def downgrade() -> None:
    op.drop_index("ix_label_class_stats_count", table_name="label_class_stats")
    op.drop_table("label_class_stats")
    with op.batch_alter_table("labels") as batch:
        batch.drop_column("max_confidence")
