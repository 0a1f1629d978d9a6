"""Pages: the chat at / and the API reference at /docs, both served without any CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from .deps import SettingsDep

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
DOCS_ASSETS = "/docs-assets"  # where app.py mounts Swagger UI's files, when swagger-ui-bundle is installed

# Swagger UI sets style attributes from its scripts; everything else stays as strict as the chat's policy.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

templates = Jinja2Templates(directory=TEMPLATES_DIR)
router = APIRouter(include_in_schema=False)


def swagger_ui_dir() -> Path | None:
    """Swagger UI's files from the swagger-ui-bundle package, or None when it is not installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]
    except ImportError:
        return None
    return Path(swagger_ui_path)


@router.get("/", response_class=HTMLResponse)
def chat(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The chat page; its script talks to /ask/stream, /documents and /feedback."""
    return templates.TemplateResponse(
        request,
        "chat.html",
        {"max_history_turns": settings.max_history_turns, "max_question_chars": settings.max_question_chars},
    )


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, from local files."""
    has_swagger = swagger_ui_dir() is not None
    response = templates.TemplateResponse(
        request, "docs.html", {"has_swagger": has_swagger, "assets": DOCS_ASSETS}
    )
    if has_swagger:
        response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
