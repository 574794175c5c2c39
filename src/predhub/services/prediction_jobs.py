"""The ``predict`` job: a deployment predicts on a dataset's samples and the hub writes the labels.

``POST /deployments/{id}/jobs`` queues it; the job reads each sample's image from the hub's own
storage, sends it to the deployment's worker, and stores the labels in batches of ``BATCH`` with the
upload mode's conflict rule (``create`` makes a predictions label set recording the model's name and
version; ``iou_merge`` drops new objects duplicating existing ones of their class at IoU ≥ the
``iou_merge_threshold`` setting). Progress and the result are the job's (``GET /jobs/{id}``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from predhub.core.serde import label_from_dict, object_from_dict, object_to_dict
from predhub.services import access, label_sets, labels, samples
from predhub.services.auth import User
from predhub.services.deployments import Supervisor
from predhub.services.errors import Conflict, Invalid
from predhub.store.db import Database
from predhub.store.jobs import JobContext, enqueue, handler
from predhub.store.schema import label_sets as label_sets_table
from predhub.store.schema import samples as samples_table
from predhub.store.schema import users

__all__ = ["BATCH", "queue_prediction", "run_prediction"]

BATCH = 50
MODES = ("create", "append", "replace", "iou_merge")


def queue_prediction(
    db: Database, supervisor: Supervisor, user: User, deployment_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Check the request and queue the job; returns the job as ``GET /jobs/{id}`` shows it."""
    supervisor.get(user, deployment_id)
    upload = body.get("upload", "create")
    if upload not in MODES:
        raise Invalid.field("upload", f"must be one of {list(MODES)}")
    dataset_id = body.get("dataset_id")
    if not isinstance(dataset_id, int):
        raise Invalid.field("dataset_id", "must be the id of the dataset to predict on")
    sample_ids = body.get("sample_ids")
    if sample_ids is not None and (
        not isinstance(sample_ids, list) or not all(isinstance(i, int) for i in sample_ids)
    ):
        raise Invalid.field("sample_ids", "must be a list of sample ids")
    label_set = body.get("label_set")
    if upload != "create" and not isinstance(label_set, int | str):
        raise Invalid.field("label_set", f"upload={upload!r} needs the label set (id or name) to write into")
    params = {k: body[k] for k in ("conf", "classes", "img_size", "settings") if body.get(k) is not None}
    with db.write() as conn:
        dataset = access.dataset_row(conn, user, dataset_id)
        payload = {
            "user_id": user.id,
            "deployment_id": deployment_id,
            "dataset_id": dataset_id,
            "sample_ids": sample_ids,
            "label_set": label_set,
            "upload": upload,
            "prelabel": bool(body.get("prelabel", False)),
            "params": params,
        }
        job_id = enqueue(conn, "predict", payload, workspace_id=dataset.workspace_id)
    from predhub.services import jobs  # which imports this module to register the job kind

    return jobs.get(db, user, job_id)


def _params(params: dict[str, Any]) -> dict[str, str]:
    import json

    out = {k: str(v) for k, v in params.items() if k in ("conf", "img_size")}
    if params.get("classes"):
        out["classes"] = ",".join(params["classes"])
    if params.get("settings"):
        out["settings"] = json.dumps(params["settings"])
    return out


def _target(db: Database, user: User, payload: dict[str, Any], model: dict[str, Any]) -> int:
    label_set = payload["label_set"]
    dataset_id = payload["dataset_id"]
    with db.write() as conn:
        if payload["upload"] == "create":
            name = label_set if isinstance(label_set, str) else model.get("name") or "predictions"
            created = label_sets.create(
                conn, user, dataset_id, name, "predictions",
                f"predictions of {model.get('name')}", model.get("name"), model.get("version"),
            )  # fmt: skip
            return created.id
        if isinstance(label_set, int):
            return int(access.label_set_row(conn, user, label_set).id)
        row = conn.execute(
            select(label_sets_table.c.id).where(
                label_sets_table.c.dataset_id == dataset_id, label_sets_table.c.name == label_set
            )
        ).first()
    if row is None:
        raise Invalid.field("label_set", f"no label set named {label_set!r} in dataset {dataset_id}")
    return int(row.id)


def _merge(db: Database, user: User, label_set_id: int, key: str, record: dict[str, Any], iou: float) -> int:
    from predhub.models.merge import iou_merge
    from predhub.services.errors import NotFound

    try:
        existing = label_from_dict(labels.get_label(db, user, label_set_id, key)).objects
    except NotFound:
        return 0
    new = [object_from_dict(o) for o in record["objects"]]
    kept = iou_merge(existing, new, iou)
    record["objects"] = [object_to_dict(o) for o in kept]
    return len(new) - len(kept)


@handler("predict")
def run_prediction(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.payload
    supervisor: Supervisor = ctx.resources["supervisor"]
    store = ctx.resources["hub"].store
    with ctx.db.read() as conn:
        row = conn.execute(select(users).where(users.c.id == payload["user_id"])).one()
        query = select(samples_table.c.id, samples_table.c.key).where(
            samples_table.c.dataset_id == payload["dataset_id"]
        )
        if payload["sample_ids"] is not None:
            query = query.where(samples_table.c.id.in_(payload["sample_ids"]))
        todo = conn.execute(query.order_by(samples_table.c.id)).all()
    user = User(row.id, row.name, bool(row.is_admin))
    model = supervisor.get(user, payload["deployment_id"])
    if model["status"] != "running":
        raise Conflict(f"deployment {payload['deployment_id']} is {model['status']}, not running")
    label_set_id = _target(ctx.db, user, payload, model)
    on_conflict = (
        labels.OnConflict.REPLACE if payload["upload"] in ("create", "replace") else labels.OnConflict.APPEND
    )
    iou = float((payload["params"].get("settings") or {}).get("iou_merge_threshold", 0.9))
    params = _params(payload["params"])
    batch: list[dict[str, Any]] = []
    stored = objects = dropped = 0
    failed: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal stored
        if batch:
            stored += labels.ingest(
                ctx.db, user, label_set_id, list(batch), labels.Mode.STRICT, on_conflict
            ).stored
            batch.clear()

    for n, sample in enumerate(todo):
        source = samples.image_of(ctx.db, user, sample.id, store)
        if source.file is None:
            # The hub does not fetch remote images on a user's behalf (no open proxy).
            failed.append({"sample_id": sample.id, "error": "a URL sample: its image is not on the hub"})
            continue
        record = supervisor.predict(user, payload["deployment_id"], source.file.read_bytes(), params)
        label = {
            "sample": sample.key,
            "objects": record["objects"],
            "classifications": record["classifications"],
        }
        if payload["prelabel"]:
            label["status"] = "prelabel"
        if payload["upload"] == "iou_merge":
            dropped += _merge(ctx.db, user, label_set_id, sample.key, label, iou)
        confidences = [o.get("confidence", 1.0) for o in label["objects"]]
        if confidences:
            label["score"] = sum(confidences) / len(confidences)
        objects += len(label["objects"])
        batch.append(label)
        if len(batch) >= BATCH:
            flush()
        ctx.progress((n + 1) / len(todo), f"{n + 1} of {len(todo)} samples")
    flush()
    return {
        "label_set_id": label_set_id,
        "labels": stored,
        "objects": objects,
        "duplicates_dropped": dropped,
        "failed": failed,
    }
