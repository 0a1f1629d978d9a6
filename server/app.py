"""The app factory: `uvicorn server.app:create_app --factory`, or `create_app(pipeline)` in tests."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response

from rag.errors import InputError, RagError
from rag.pipeline import Pipeline
from rag.settings import Settings, get_settings

from . import api, web
from .feedback import FeedbackStore
from .loader import PipelineLoader
from .middleware import BodyLimitMiddleware, RateLimitMiddleware, SecurityHeadersMiddleware
from .queue import GenerationQueue, QueueFull

log = logging.getLogger(__name__)

FEEDBACK_DB = "feedback.sqlite3"


def create_app(pipeline: Pipeline | None = None, settings: Settings | None = None) -> FastAPI:
    """The chat and the JSON API over `pipeline`, or over one loaded from `settings` in the background."""
    if settings is None:
        settings = pipeline.settings if pipeline is not None else get_settings()
    loader = PipelineLoader(settings, pipeline)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.queue = GenerationQueue(settings.queue_size)  # its lock belongs to this event loop
        loader.start()  # /health answers 503 "loading" until the pipeline is loaded and warmed up
        yield

    app = FastAPI(
        title="citerag",
        summary="Answers questions from a folder of documents, quoting the sentences it relies on.",
        lifespan=lifespan,
        docs_url=None,  # web.py serves /docs from local files: the default loads Swagger UI from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.loader = loader
    app.state.feedback = FeedbackStore(settings.data_dir / FEEDBACK_DB)

    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    swagger = web.swagger_ui_dir()
    if swagger is not None:
        app.mount(web.DOCS_ASSETS, StaticFiles(directory=swagger), name="docs-assets")

    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(InputError, _input_error)  # type: ignore[arg-type]
    app.add_exception_handler(QueueFull, _queue_full)  # type: ignore[arg-type]
    app.add_exception_handler(RagError, _rag_error)  # type: ignore[arg-type]

    # Added last is outermost: headers go on every response, even the middleware's own 413 and 429.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI would say "There was an error parsing the body"
        return JSONResponse({"detail": "the request body is not UTF-8: send JSON encoded as UTF-8"}, 400)
    return await http_exception_handler(request, exc)


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's own handler echoes each bad "input" back, and cannot encode the ones worth refusing most
    # (NaN, Infinity, "\ud800"): it would answer 500. Where and what is wrong is enough to fix a request.
    detail = [{k: _json_safe(e[k]) for k in ("type", "loc", "msg", "ctx") if k in e} for e in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


def _json_safe(value: Any) -> Any:
    """Value with every string valid UTF-8 and every number finite, so json.dumps cannot fail on it."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {_json_safe(str(k)): _json_safe(v) for k, v in value.items()}
    return _json_safe(str(value))


async def _input_error(request: Request, exc: InputError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=422)


async def _queue_full(request: Request, exc: QueueFull) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after)})


async def _rag_error(request: Request, exc: RagError) -> JSONResponse:
    log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": str(exc)}, status_code=503)
