"""Deployments: models the hub runs in supervised worker processes, and predicting through them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from predhub.server.deps import CurrentUser, HubDep, RawBody
from predhub.server.responses import json_response
from predhub.services.deployments import Supervisor
from predhub.services.prediction_jobs import queue_prediction

router = APIRouter(tags=["deployments"])


def _supervisor(request: Request) -> Supervisor:
    supervisor: Supervisor = request.app.state.supervisor
    return supervisor


SupervisorDep = Annotated[Supervisor, Depends(_supervisor)]


class DeploymentCreate(BaseModel):
    model: str = Field(description="a bundled model's name, or a checkpoint path on the hub machine")
    device: Literal["auto", "cpu", "gpu"] = Field(
        "auto", description="auto: a GPU when the framework has one"
    )
    reuse: bool = Field(False, description="return the running deployment of the same model if there is one")


@router.post("/deployments", status_code=201)
def create_deployment(body: DeploymentCreate, supervisor: SupervisorDep, user: CurrentUser) -> Response:
    """Start a model in a worker process the hub supervises (status ``starting``, then ``running``)."""
    return json_response(supervisor.create(user, body.model, body.device, body.reuse), status_code=201)


@router.get("/deployments")
def list_deployments(supervisor: SupervisorDep, user: CurrentUser) -> Response:
    return json_response({"items": supervisor.list_deployments(user), "next_cursor": None})


@router.get("/deployments/{deployment_id}")
def get_deployment(deployment_id: int, supervisor: SupervisorDep, user: CurrentUser) -> Response:
    return json_response(supervisor.get(user, deployment_id))


@router.get("/deployments/{deployment_id}/logs")
def deployment_logs(
    deployment_id: int,
    supervisor: SupervisorDep,
    user: CurrentUser,
    tail: Annotated[int, Query(ge=1, le=10000)] = 200,
) -> Response:
    """The last ``tail`` lines the worker wrote (across its restarts)."""
    return json_response({"lines": supervisor.logs(user, deployment_id, tail)})


@router.post("/deployments/{deployment_id}/stop")
def stop_deployment(deployment_id: int, supervisor: SupervisorDep, user: CurrentUser) -> Response:
    return json_response(supervisor.stop(user, deployment_id))


@router.post("/deployments/{deployment_id}/restart")
def restart_deployment(deployment_id: int, supervisor: SupervisorDep, user: CurrentUser) -> Response:
    return json_response(supervisor.restart(user, deployment_id))


@router.delete("/deployments/{deployment_id}", status_code=204)
def delete_deployment(deployment_id: int, supervisor: SupervisorDep, user: CurrentUser) -> Response:
    supervisor.delete(user, deployment_id)
    return Response(status_code=204)


@router.post("/deployments/{deployment_id}/predict")
def predict(
    deployment_id: int,
    body: RawBody,
    supervisor: SupervisorDep,
    user: CurrentUser,
    conf: Annotated[float | None, Query(ge=0, le=1)] = None,
    classes: Annotated[str | None, Query(description="comma-separated class names")] = None,
    img_size: Annotated[int | None, Query(ge=1)] = None,
    settings: Annotated[str | None, Query(description="model settings as a JSON object")] = None,
) -> Response:
    """Predict on one image (the request body's bytes): ``{"width", "height", "model",
    "model_version", "objects": [...], "classifications": [...]}`` in the label JSON shape."""
    params = {
        k: str(v)
        for k, v in {"conf": conf, "classes": classes, "img_size": img_size, "settings": settings}.items()
        if v is not None
    }
    return json_response(supervisor.predict(user, deployment_id, body, params))


@router.post("/deployments/{deployment_id}/jobs", status_code=202)
def predict_dataset(
    deployment_id: int,
    body: Annotated[dict[str, Any], Body()],
    hub: HubDep,
    supervisor: SupervisorDep,
    user: CurrentUser,
) -> Response:
    """Queue a ``predict`` job over a dataset's samples (or ``sample_ids``) writing into a label set:
    ``{"dataset_id", "sample_ids"?, "label_set"?, "upload": "create"|"append"|"replace"|"iou_merge",
    "prelabel"?, "conf"?, "classes"?, "img_size"?, "settings"?}`` → the Job (``GET /jobs/{id}``)."""
    return json_response(queue_prediction(hub.db, supervisor, user, deployment_id, body), status_code=202)
