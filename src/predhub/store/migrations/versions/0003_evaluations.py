"""evaluations with per-sample and per-object results

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", Id, nullable=False),
        sa.Column("dataset_id", Id, nullable=False),
        sa.Column("job_id", Id, nullable=True),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ground_truth_label_set_id", Id, nullable=False),
        sa.Column("prediction_label_set_id", Id, nullable=False),
        sa.Column("params", Json, nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("summary", Json, nullable=True),
        sa.Column("report", Json, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_evaluations_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_evaluations_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ground_truth_label_set_id"],
            ["label_sets.id"],
            name=op.f("fk_evaluations_ground_truth_label_set_id_label_sets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prediction_label_set_id"],
            ["label_sets.id"],
            name=op.f("fk_evaluations_prediction_label_set_id_label_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_index(op.f("ix_evaluations_dataset_id"), "evaluations", ["dataset_id"])
    op.create_index(
        op.f("ix_evaluations_prediction_label_set_id"), "evaluations", ["prediction_label_set_id"]
    )
    op.create_table(
        "evaluation_samples",
        sa.Column("evaluation_id", Id, nullable=False),
        sa.Column("sample_id", Id, nullable=False),
        sa.Column("tp", sa.Integer(), nullable=False),
        sa.Column("fp", sa.Integer(), nullable=False),
        sa.Column("fn", sa.Integer(), nullable=False),
        sa.Column("disagreement", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_samples_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "sample_id", name=op.f("pk_evaluation_samples")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_evaluation_samples_disagreement", "evaluation_samples", ["evaluation_id", "disagreement"]
    )
    op.create_table(
        "evaluation_objects",
        sa.Column("evaluation_id", Id, nullable=False),
        sa.Column("object_id", Id, nullable=False),
        sa.Column("sample_id", Id, nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("partner_object_id", Id, nullable=True),
        sa.Column("iou", sa.Float(), nullable=True),
        sa.Column("mislabeled", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_objects_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "object_id", name=op.f("pk_evaluation_objects")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_evaluation_objects_sample", "evaluation_objects", ["evaluation_id", "sample_id"])


def downgrade() -> None:
    op.drop_table("evaluation_objects")
    op.drop_table("evaluation_samples")
    op.drop_table("evaluations")
