"""The application: the API under ``/api/v1``, the web pages at ``/``, ``GET /health``.

One process serves both over one ``Store``; ``loanbook serve`` runs it with uvicorn.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from loanbook.api import models as m
from loanbook.api import problems
from loanbook.api.operations import Operations, Settings
from loanbook.api.routes import router
from loanbook.storage import migrate
from loanbook.storage.store import Store

API_VERSION = "1.0.0"


def create_app(store: Store, settings: Settings | None = None, web: bool = True) -> FastAPI:
    app = FastAPI(
        title="Loanbook",
        version=API_VERSION,
        summary="Financing agreements as clause-cited terms; an exact loan book.",
        description=(
            "Amounts are decimal strings, dates ISO 8601. Errors are RFC 9457 problem details "
            "naming each field at fault. Send `Authorization: Bearer TOKEN` (from `loanbook "
            "users add`). A POST with `Idempotency-Key` is recorded once; its replay answers "
            "the first response with `Idempotent-Replayed: true`."
        ),
        openapi_url="/openapi.json",
        docs_url=None,  # the Swagger page loads scripts from a CDN: the app stays offline
        redoc_url=None,
    )
    app.state.ops = Operations(store, settings)
    html = None
    if web:
        from loanbook.web.pages import install as install_web

        html = install_web(app)
    problems.install(app, html)
    app.include_router(router, prefix="/api/v1")

    @app.get(
        "/health",
        response_model=m.Health,
        summary="Liveness and schema revision (no authentication)",
        tags=["service"],
    )
    def health(request: Request) -> m.Health:
        ops: Operations = request.app.state.ops
        return m.Health(
            status="ok", database=ops.store.dialect, revision=migrate.current(ops.store.engine)
        )

    _with_problem_schema(app)
    return app


def _with_problem_schema(app: FastAPI) -> None:
    """Add the Problem model to the OpenAPI components (the error responses refer to it)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        defs = m.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, sub in defs.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components["Problem"] = defs
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
