"""RFC 9457 problem details: every error the API answers, as ``application/problem+json``
with the fields at fault and why (never a traceback)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from loanbook.api.operations import FieldProblem, Problem

MEDIA = "application/problem+json"


def body(problem: Problem, instance: str = "") -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
        "errors": [
            {"field": e.field, "reason": e.reason, "source": e.source} for e in problem.errors
        ],
    }


def response(problem: Problem, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(
        body(problem, request.url.path), problem.status, headers=headers, media_type=MEDIA
    )


def from_validation(exc: RequestValidationError) -> Problem:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        if loc and loc[0] in ("query", "path", "header"):
            loc = loc[1:]
        reason = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append(FieldProblem(".".join(loc) or "body", reason, "request"))
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    return Problem(422, "Unprocessable Content", detail, errors)


def install(app: FastAPI, html: Any = None) -> None:
    """Problems on the API (and ``html(request, problem)`` pages for the web, if given)."""

    def answer(request: Request, problem: Problem) -> Response:
        if html is not None and not request.url.path.startswith(("/api/", "/health")):
            result: Response = html(request, problem)
            return result
        return response(problem, request)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return answer(request, from_validation(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        titles = {
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            405: "Method Not Allowed",
        }
        problem = Problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
        return answer(request, problem)
