"""Who am I, users, tokens, workspaces and their members."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from predhub.server.deps import CurrentUser, HubDep
from predhub.server.responses import json_response
from predhub.server.schemas import MemberAdd, TokenCreate, UserCreate, WorkspaceCreate
from predhub.services import auth

router = APIRouter(tags=["users and workspaces"])


@router.get("/me")
def me(hub: HubDep, user: CurrentUser) -> Response:
    workspaces = auth.user_workspaces(hub.db, user)
    return json_response(
        {
            "user": {"id": user.id, "name": user.name, "is_admin": user.is_admin},
            "workspaces": [{"id": w.id, "name": w.name} for w in workspaces],
        }
    )


@router.post("/users", status_code=201)
def create_user(body: UserCreate, hub: HubDep, user: CurrentUser) -> Response:
    created = auth.create_user(hub.db, user, body.name, is_admin=body.is_admin)
    return json_response({"id": created.id, "name": created.name, "is_admin": created.is_admin}, 201)


@router.post("/users/{user_id}/tokens", status_code=201)
def create_token(user_id: int, hub: HubDep, user: CurrentUser, body: TokenCreate | None = None) -> Response:
    token = auth.create_token(hub.db, user, user_id, body.name if body else None)
    return json_response({"token": token}, 201)


@router.get("/workspaces")
def list_workspaces(hub: HubDep, user: CurrentUser) -> Response:
    items = [{"id": w.id, "name": w.name} for w in auth.user_workspaces(hub.db, user)]
    return json_response({"items": items, "next_cursor": None})


@router.post("/workspaces", status_code=201)
def create_workspace(body: WorkspaceCreate, hub: HubDep, user: CurrentUser) -> Response:
    ws = auth.create_workspace(hub.db, user, body.name)
    return json_response({"id": ws.id, "name": ws.name}, 201)


@router.post("/workspaces/{workspace_id}/members", status_code=201)
def add_member(workspace_id: int, body: MemberAdd, hub: HubDep, user: CurrentUser) -> Response:
    auth.add_member(hub.db, user, workspace_id, body.user_id)
    return json_response({"workspace_id": workspace_id, "user_id": body.user_id}, 201)
