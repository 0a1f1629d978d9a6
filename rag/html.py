"""HTML to plain text: visible body text only, one block element per line, metadata from <head>."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

# Never body text: code, page chrome and widgets.
_DROP_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
              "button", "svg", "iframe", "select", "input", "textarea", "head", "figure", "menu")
_BLOCK_TAGS = ("p", "div", "section", "article", "main", "li", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "td", "th", "dd", "dt", "figcaption", "br", "tr", "table", "ul", "ol")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])"
)
_COLOR = re.compile(r"(?<![-\w])color\s*:\s*([^;]+)")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*([^;]+)")
_WHITE = {"#fff", "#ffffff", "white", "rgb(255,255,255)", "rgba(255,255,255,1)", "#fefefe"}


def _is_hidden(tag: Tag) -> bool:
    """Text a reader cannot see: hidden attributes, display:none, zero size, or white on white."""
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    style = str(tag.get("style", "")).lower()
    if not style:
        return False
    if _HIDDEN_STYLE.search(style):
        return True
    color = _COLOR.search(style)
    if color and color.group(1).replace(" ", "").strip() in _WHITE:
        background = _BACKGROUND.search(style)
        # white text with no background set sits on the page's (white) background
        if background is None or background.group(1).replace(" ", "").strip() in _WHITE:
            return True
    return False


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Visible text with one line per block element, and metadata (title, author, date, description)."""
    soup = BeautifulSoup(html, "lxml")
    meta: dict[str, str] = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    for m in soup.find_all("meta"):
        name = str(m.get("name") or m.get("property") or "").lower()
        content = str(m.get("content") or "").strip()
        if not content:
            continue
        if name in ("author", "article:author"):
            meta["authors"] = content
        elif name in ("date", "article:published_time", "pubdate"):
            meta["date"] = content
        elif name in ("og:title",) and "title" not in meta:
            meta["title"] = content
        elif name in ("og:site_name",):
            meta["publisher"] = content
    h1 = soup.find("h1")
    if "title" not in meta and h1 is not None:
        meta["title"] = h1.get_text(" ", strip=True)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if not tag.decomposed and _is_hidden(tag):
            tag.decompose()
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    root = soup.body or soup
    lines = [" ".join(line.split()) for line in root.get_text().split("\n")]
    return "\n".join(line for line in lines if line), meta
