"""The tables, as SQLAlchemy Core (no ORM: the hot paths insert tuples, never objects per row).

One row per object, with its class, geometry kind, bounds (x0, y0, x1, y1), area and confidence in
plain columns, so that counting, filtering and evaluating never parse JSON. Only the geometry that the
bounds cannot carry is stored as a payload: polygon and polyline vertices as JSON, masks as COCO RLE
(``{"size": [h, w], "counts": "<compressed string>"}``, pycocotools' string codec).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

__all__ = [
    "api_tokens",
    "datasets",
    "deployments",
    "evaluation_objects",
    "evaluation_samples",
    "evaluations",
    "idempotency_keys",
    "jobs",
    "label_class_stats",
    "label_sets",
    "labels",
    "memberships",
    "metadata",
    "objects",
    "samples",
    "upload_chunks",
    "upload_jobs",
    "users",
    "workspaces",
]

# Stable constraint names, so that migrations can refer to them on every dialect.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
# Integer primary keys that are SQLite rowids and PostgreSQL bigints.
Id = BigInteger().with_variant(Integer(), "sqlite")


def _created() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("is_admin", Boolean, nullable=False, server_default="0"),
    _created(),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    # sha256 of the token: a leaked database does not leak usable tokens.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("name", String(200)),
    _created(),
    Column("last_used_at", DateTime(timezone=True)),
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    _created(),
)

memberships = Table(
    "memberships",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("role", String(20), nullable=False, server_default="member"),
    _created(),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("media_type", String(20), nullable=False, server_default="image"),
    Column("ontology", Json, nullable=False),
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("workspace_id", "name"),
)

samples = Table(
    "samples",
    metadata,
    Column("id", Id, primary_key=True),
    Column("dataset_id", Id, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(1000), nullable=False),
    Column("path", Text),
    Column("url", Text),
    Column("blob", String(64)),
    Column("width", Integer),
    Column("height", Integer),
    Column("metadata", Json),
    _created(),
    UniqueConstraint("dataset_id", "key"),
    # A dataset's samples in id order: search's default order and keyset pages walk this index and
    # stop after one page, instead of sorting every sample of the dataset (docs/search.md).
    Index("ix_samples_dataset_order", "dataset_id", "id"),
)

label_sets = Table(
    "label_sets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("dataset_id", Id, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("kind", String(20), nullable=False),
    Column("model_name", String(200)),
    Column("model_version", String(200)),
    Column("class_mapping", Json),
    _created(),
    UniqueConstraint("dataset_id", "name"),
)

labels = Table(
    "labels",
    metadata,
    Column("id", Id, primary_key=True),
    Column("label_set_id", Id, ForeignKey("label_sets.id", ondelete="CASCADE"), nullable=False),
    Column("sample_id", Id, ForeignKey("samples.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("score", Float),
    Column("classifications", Json),
    Column("object_count", Integer, nullable=False),
    # Highest object confidence in the label, kept by store.label_stats so search can sort on it.
    Column("max_confidence", Float),
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("label_set_id", "sample_id"),
    # Label-level sort keys in index order, for search's two-phase sorted pages (search/sql.py).
    Index("ix_labels_score", "label_set_id", "score", "sample_id"),
    Index("ix_labels_max_confidence", "label_set_id", "max_confidence", "sample_id"),
    Index("ix_labels_object_count", "label_set_id", "object_count", "sample_id"),
    # Pages of a label set in id order (listings, exports) read one index range, with no sort.
    Index("ix_labels_label_set_order", "label_set_id", "id"),
)

# Objects hang off their label by (label_set_id, sample_id): the bulk insert needs no label ids back,
# and per-label-set queries (evaluation, counts by class) read one index range.
objects = Table(
    "objects",
    metadata,
    Column("id", Id, primary_key=True),
    Column("label_set_id", Id, nullable=False),
    Column("sample_id", Id, nullable=False),
    Column("position", Integer, nullable=False),
    Column("class", String(200), nullable=False),
    Column("kind", String(10), nullable=False, server_default="box"),
    Column("x0", Float, nullable=False),
    Column("y0", Float, nullable=False),
    Column("x1", Float, nullable=False),
    Column("y1", Float, nullable=False),
    Column("rotation", Float, nullable=False, server_default="0"),
    Column("confidence", Float, nullable=False),
    Column("area", Float, nullable=False),
    Column("points", Json),  # polygon / polyline vertices [[x, y], ...]
    Column("holes", Json),  # polygon holes [[[x, y], ...], ...]
    Column("mask", Json),  # COCO RLE with the compressed counts string
    Column("classifications", Json),
    Column("attributes", Json),
    Column("external_id", String(200)),
    # On PostgreSQL the same rule is kept by statement-level triggers (migration 0009): checked once
    # per COPY, not once per object.
    ForeignKeyConstraint(
        ["label_set_id", "sample_id"],
        ["labels.label_set_id", "labels.sample_id"],
        ondelete="CASCADE",
        name="fk_objects_label",
    ).ddl_if(dialect="sqlite"),
    # The only index besides the primary key: evaluation and review read a label's objects by
    # (label_set_id, sample_id). Every index on this table costs ingest speed, so there is none on
    # the class (per-sample class counts and top confidences live in label_class_stats, which search
    # reads) nor on the bounds (a B-tree on x0 cannot answer a 2-D region query; an R*Tree can).
    UniqueConstraint("label_set_id", "sample_id", "position", name="uq_objects_label_position"),
)

upload_jobs = Table(
    "upload_jobs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("label_set_id", Id, ForeignKey("label_sets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("mode", String(10), nullable=False),
    Column("on_conflict", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("total_chunks", Integer),
    _created(),
    Column("finished_at", DateTime(timezone=True)),
)

upload_chunks = Table(
    "upload_chunks",
    metadata,
    Column("job_id", Id, ForeignKey("upload_jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("chunk", Integer, primary_key=True, autoincrement=False),
    Column("records", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("objects", Integer, nullable=False),
    Column("errors", Json, nullable=False),  # [{"record", "field", "message"}] as first answered
    _created(),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("scope", String(500), nullable=False),  # "POST /api/v1/datasets": a key is not reusable elsewhere
    Column("status_code", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    _created(),
    UniqueConstraint("user_id", "key"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE")),
    Column("status", String(10), nullable=False, server_default="queued"),
    Column("payload", Json, nullable=False),
    Column("progress", Float, nullable=False, server_default="0"),
    Column("message", Text),
    Column("result", Json),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("worker", String(100)),
    Column("heartbeat_at", DateTime(timezone=True)),
    _created(),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_jobs_status", "status", "id"),
)

# Per label and class: how many objects and the highest confidence. Derived from `objects` by
# store.label_stats after every write, so that search filters and sorts on class counts through an
# index instead of counting objects per sample (issue 6: first page in < 200 ms at 2M objects).
# Only classes that occur have a row; a missing row means a count of 0.
label_class_stats = Table(
    "label_class_stats",
    metadata,
    Column("label_set_id", Id, nullable=False, primary_key=True),
    Column("sample_id", Id, nullable=False, primary_key=True),
    Column("class", String(200), nullable=False, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("max_confidence", Float, nullable=False),
    ForeignKeyConstraint(
        ["label_set_id", "sample_id"],
        ["labels.label_set_id", "labels.sample_id"],
        ondelete="CASCADE",
        name="fk_label_class_stats_label",
    ),
    Index("ix_label_class_stats_count", "label_set_id", "class", "count"),
    sqlite_with_rowid=False,
)

# An evaluation of one label set (predictions) against another (usually the ground truth). The
# summary (the 12 COCO numbers or accuracy, ...) and the report (per class, PR curves, confusion
# matrix) are JSON; what search and the gallery filter on is in the two tables below.
evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("dataset_id", Id, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="SET NULL")),
    Column("name", String(200), nullable=False, server_default=""),
    Column("kind", String(20), nullable=False),  # detection | segmentation | classification
    Column("ground_truth_label_set_id", Id, ForeignKey("label_sets.id", ondelete="CASCADE"), nullable=False),
    Column(
        "prediction_label_set_id",
        Id,
        ForeignKey("label_sets.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("params", Json, nullable=False),
    Column("status", String(10), nullable=False, server_default="queued"),
    Column("summary", Json),
    Column("report", Json),
    Column("error", Text),
    _created(),
    Column("finished_at", DateTime(timezone=True)),
)

# Per sample of an evaluation: outcome counts and the disagreement score (docs/evaluation.md).
evaluation_samples = Table(
    "evaluation_samples",
    metadata,
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True),
    Column("sample_id", Id, primary_key=True),
    Column("tp", Integer, nullable=False),
    Column("fp", Integer, nullable=False),
    Column("fn", Integer, nullable=False),
    Column("disagreement", Float, nullable=False),
    Index("ix_evaluation_samples_disagreement", "evaluation_id", "disagreement"),
    sqlite_with_rowid=False,
)

# Per object of either side: its outcome (tp / fp / fn, or "ignored" for crowd and out-of-range
# matches), its partner on the other side and their IoU, and for ground-truth objects the
# likely-mislabeled score. What the gallery shows beside each object.
evaluation_objects = Table(
    "evaluation_objects",
    metadata,
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True),
    Column("object_id", Id, primary_key=True),
    Column("sample_id", Id, nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("partner_object_id", Id),
    Column("iou", Float),
    Column("mislabeled", Float),
    Index("ix_evaluation_objects_sample", "evaluation_id", "sample_id"),
    sqlite_with_rowid=False,
)

# Models the hub runs in worker processes it supervises (issue 5). ``desired`` is what the user asked
# for ("running" or "stopped"); ``status`` what the supervisor last saw. A hub that restarts starts
# again every deployment whose desired state is running, under the same id.
deployments = Table(
    "deployments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("model", Text, nullable=False),  # a bundled model's name or a checkpoint path on the hub
    Column("device", String(10), nullable=False),
    Column("desired", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("info", Json),  # name, version, framework, task, classes, device the worker reported
    Column("pid", Integer),
    Column("port", Integer),
    Column("restarts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
