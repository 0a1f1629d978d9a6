"""The web chat in a real browser: headless Debian Chromium, driven by Playwright, against a live uvicorn."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .live import running_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
QUESTION = "Where are the North Korean IT workers being sent?"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(article_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`uvicorn server.app:create_app --factory` on a free loopback port, over a freshly built index."""
    with running_server(tmp_path_factory.mktemp("server-data"), RAG_INDEX_DIR=str(article_index_dir)) as server:
        yield server.base


def test_ask_stream_cite_and_highlight(live_server: str, browser: object) -> None:
    from playwright.sync_api import expect

    expected = httpx.post(f"{live_server}/ask", json={"question": QUESTION}, timeout=60).json()
    assert expected["answered"], "the engine did not answer the Russia question"
    quote_1 = next(c["quote"] for c in expected["citations"] if c["n"] == 1)

    page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    problems: list[str] = []  # a CSP violation or a script error shows up here
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(live_server)
    expect(page.locator("#status")).to_have_attribute("data-state", "ok", timeout=30_000)

    page.get_by_label("Your question").fill(QUESTION)
    page.keyboard.press("Enter")

    answer = page.locator(".turn-answer").last
    expect(answer).not_to_have_class(re.compile(r"\bis-pending\b"), timeout=30_000)
    expect(answer.locator(".answer-text")).to_have_attribute("aria-busy", "false")
    expect(answer.locator(".citation-card").first).to_be_visible()
    assert "Russia" in answer.locator(".answer-text").inner_text()
    cards = answer.locator(".citation-card")
    assert cards.count() == len(expected["citations"])
    for i, c in enumerate(expected["citations"]):
        assert cards.nth(i).locator(".citation-quote").inner_text() == c["quote"]
        assert cards.nth(i).locator(".citation-title").inner_text() == c["title"]

    answer.locator("button.cite-marker", has_text="[1]").first.click()
    mark = page.locator("#source-panel mark")
    expect(mark).to_have_count(1)
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    assert mark.inner_text() == quote_1  # the highlight is the quote, located by the API's offsets
    expect(page.locator("#source-note")).to_have_attribute("data-kind", "ok")

    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".feedback-note")).to_have_text("Thanks for the feedback")
    rows = httpx.get(f"{live_server}/feedback").json()
    assert rows[0]["question"] == QUESTION and rows[0]["rating"] == "up"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"))

    page.keyboard.press("Escape")
    expect(page.locator("#source-panel")).to_be_hidden()
    assert problems == []
    page.close()


def test_follow_up_and_refusal_on_a_phone_screen(live_server: str, browser: object) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 375, "height": 740})  # type: ignore[attr-defined]
    requests: list[str] = []  # bodies of POST /ask/stream
    page.on("request", lambda r: r.url.endswith("/ask/stream") and requests.append(r.post_data or ""))
    page.goto(live_server)
    expect(page.locator("#status")).to_have_attribute("data-state", "ok", timeout=30_000)
    box = page.get_by_label("Your question")

    box.fill(QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".turn-answer .citation-card").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Ask", exact=True)).to_be_enabled()

    box.fill("What is the capital of France?")
    box.press("Enter")
    refused = page.locator(".turn-answer").nth(1)
    expect(refused).to_have_class(re.compile(r"\bis-refused\b"), timeout=30_000)
    expect(refused.locator(".answer-label")).to_have_text("Not in the documents")
    first_answer = page.locator(".turn-answer .answer-text").first.inner_text()
    assert json.loads(requests[-1])["history"] == [  # the follow-up carries the conversation so far
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first_answer},
    ]

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways at 375px"
    page.locator(".turn-answer .cite-marker").first.click()
    expect(page.locator("#source-panel mark")).to_be_in_viewport()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-375.png"))
    page.get_by_role("button", name="Close the source panel").click()
    expect(page.locator("#source-panel")).to_be_hidden()
    page.close()


def test_a_byline_answer_shows_its_metadata_apart_from_quotes(live_server: str, browser: object) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page.goto(live_server)
    expect(page.locator("#status")).to_have_attribute("data-state", "ok", timeout=30_000)
    page.get_by_label("Your question").fill("Who wrote the article?")
    page.keyboard.press("Enter")
    answer = page.locator(".turn-answer").last
    expect(answer).not_to_have_class(re.compile(r"\bis-pending\b"), timeout=30_000)
    expect(answer.locator(".answer-label")).to_have_text("Answer")
    expect(answer.locator(".metadata-fact")).to_have_count(1)
    assert answer.locator(".metadata-value").inner_text() == "Chung Yeong-Gyo, Seo Ji-Eun"
    expect(answer.locator(".citation-card")).to_have_count(0)  # nothing is shown as a quote
    page.close()


def test_not_helpful_asks_what_was_wrong_and_sends_the_comment(live_server: str, browser: object) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(live_server)
    expect(page.locator("#status")).to_have_attribute("data-state", "ok", timeout=30_000)
    question = "Which UN resolution bans hiring North Korean workers?"
    page.get_by_label("Your question").fill(question)
    page.keyboard.press("Enter")
    answer = page.locator(".turn-answer").last
    expect(answer).not_to_have_class(re.compile(r"\bis-pending\b"), timeout=30_000)

    form = answer.locator(".feedback-form")
    expect(form).to_be_hidden()
    answer.get_by_role("button", name="Not helpful", exact=True).click()
    box = answer.get_by_label("What was wrong with this answer? (optional)")
    expect(box).to_be_focused()
    box.fill("The quote is right but the answer <b>misses</b> the year.")
    ARTIFACTS.mkdir(exist_ok=True)
    answer.screenshot(path=str(ARTIFACTS / "feedback-comment.png"))
    answer.get_by_role("button", name="Send feedback").click()
    expect(answer.locator(".feedback-note")).to_have_text("Thanks for the feedback")
    expect(form).to_be_hidden()
    expect(answer.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    row = next(r for r in httpx.get(f"{live_server}/feedback").json() if r["question"] == question)
    assert row["rating"] == "down"
    assert row["comment"] == "The quote is right but the answer <b>misses</b> the year."
    assert problems == []
    page.close()
