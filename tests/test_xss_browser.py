"""XSS in real Chromium: markup quoted from a document shows as text and runs nothing; the CSP forbids inline script."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.embedding import Embedder
from rag.index import build_index
from server.middleware import CONTENT_SECURITY_POLICY

from .conftest import CORPUS
from .live import running_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TITLE = "Forum moderation notes <img src=x onerror=alert(3)>"
PAYLOAD = "The forum post read <script>alert(1)</script> and <img src=x onerror=alert(2)> in its title."
# Markdown, so ingestion keeps the angle brackets as the literal text they are (HTML files lose their tags).
FORUM = f"# {TITLE}\n\nThe moderators reviewed the harbour forum in March.\n\n{PAYLOAD}\n\n" \
        "The moderators removed the forum post two days later.\n"
QUESTION = "What did the forum post's title read?"


@pytest.fixture(scope="module")
def xss_server(minilm: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over the article plus a document whose text is an XSS attempt."""
    root = tmp_path_factory.mktemp("xss")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "forum.md").write_text(FORUM)
    build_index(corpus, root / "index", minilm, progress=False)
    with running_server(root / "data", RAG_INDEX_DIR=str(root / "index"), RAG_CORPUS_DIR=str(corpus)) as server:
        yield server.base


def directives(policy: str) -> dict[str, list[str]]:
    """Example: "default-src 'self'; img-src 'self' data:" -> {"default-src": ["'self'"], "img-src": [...]}."""
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def test_the_engine_quotes_the_payload(xss_server: str) -> None:
    """The precondition: the answer really carries the markup, as a citation that slices the document."""
    answer = httpx.post(f"{xss_server}/ask", json={"question": QUESTION}, timeout=60).json()
    assert answer["answered"], answer["mode"]
    quote = answer["citations"][0]
    assert quote["quote"] == PAYLOAD and quote["title"] == TITLE
    text = httpx.get(f"{xss_server}/documents/{quote['doc_id']}").json()["text"]
    assert text[quote["start"] : quote["end"]] == PAYLOAD


def test_page_sends_a_csp_that_forbids_inline_script(xss_server: str) -> None:
    r = httpx.get(xss_server)
    policy = directives(r.headers["content-security-policy"])
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hashes or nonces
    assert policy["default-src"] == ["'self'"] and policy["base-uri"] == ["'none'"]


def test_quoted_markup_renders_as_text_and_runs_nothing(xss_server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    dialogs: list[str] = []
    problems: list[str] = []  # script errors and CSP violations
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    response = page.goto(xss_server)
    assert response is not None and response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    expect(page.locator("#status")).to_have_attribute("data-state", "ok", timeout=30_000)
    expect(page.locator("#intro-docs")).to_contain_text(TITLE)  # the document list shows the title as text

    page.get_by_label("Your question").fill(QUESTION)
    page.keyboard.press("Enter")
    answer = page.locator(".turn-answer").last
    expect(answer).not_to_have_class(re.compile(r"\bis-pending\b"), timeout=30_000)
    expect(answer.locator(".answer-text")).to_contain_text("<script>alert(1)</script>")
    expect(answer.locator(".answer-text")).to_contain_text("<img src=x onerror=alert(2)>")
    card = answer.locator(".citation-card").first
    expect(card.locator(".citation-quote")).to_have_text(PAYLOAD)
    expect(card.locator(".citation-title")).to_have_text(TITLE)
    expect(card.locator(".citation-quote")).to_be_visible()

    # the side panel: the document's title and full text, with the quote highlighted
    answer.locator("button.cite-marker", has_text="[1]").first.click()
    expect(page.locator("#source-panel mark")).to_have_text(PAYLOAD)
    expect(page.locator("#source-panel mark")).to_be_visible()
    expect(page.locator("#source-title")).to_have_text(TITLE)
    expect(page.locator("#source-text")).to_contain_text("The moderators removed the forum post")

    page.wait_for_timeout(500)  # time for an injected <img src=x> to fail and fire its handler
    injected = page.evaluate(
        "() => ({scripts: [...document.scripts].map(s => s.src),"
        " handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,"
        " images: document.querySelectorAll('img').length})"
    )
    assert injected["handlers"] == 0 and injected["images"] == 0
    assert all(src.startswith(f"{xss_server}/static/") for src in injected["scripts"])
    assert dialogs == []
    assert problems == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "xss.png"))

    # The CSP is enforced, not just sent: inline script and inline handlers added by hand do not run.
    ran = page.evaluate(
        """async () => {
            const s = document.createElement("script");
            s.textContent = "window.__inlineRan = true; alert('inline')";
            document.body.appendChild(s);
            const img = document.createElement("img");
            img.setAttribute("onerror", "window.__handlerRan = true; alert('handler')");
            img.src = "x";
            document.body.appendChild(img);
            await new Promise((done) => setTimeout(done, 500));
            return {inline: window.__inlineRan === true, handler: window.__handlerRan === true};
        }"""
    )
    assert ran == {"inline": False, "handler": False}
    assert dialogs == []
    assert any("Content Security Policy" in p for p in problems)  # the browser reports what it blocked
    page.close()
