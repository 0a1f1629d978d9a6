"""Reading a corpus folder into clean Documents: boilerplate out, metadata aside, text kept faithful."""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .text import for_matching
from .types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are skipped with a logged reason
# UTF-16 and UTF-32 text is full of NUL bytes; with a byte order mark it is text, not binary (Notepad's "Unicode").
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Lines that belong to the web page around an article, not to the article. Matched on the stripped line.
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(home|news|menu)\s*(>|›|»)",  # breadcrumb: "Home > National > North Korea"
        r"^print(\s+dictionary)?(\s+print)?$",
        r"\blog\s*in\b|\bsign\s*in\b|\bsign\s*up\b|\bsubscribe\b",
        r"\bcomments?\b.*(\?|log|write|post)|^(social )?comment\?$|write comments",
        r"^(lock|help)[- ](icon|image)|help-image|lock icon",
        r"standards board policy|\(\d+/\d+\S*\)$",
        r"^(share|tweet|email|facebook|twitter|kakao|copy link)$",
        r"^(advertisement|sponsored|related articles?|more stories|top stories|most popular)$",
        r"^with the korea joongang daily$|^to connect$",
        r"all rights reserved|^copyright\b|^©",
    )
]
_BYLINE = re.compile(r"^BY\s+([A-Z][A-Z .,'\-]+?)\s*(\[([^\]]+)\])?\s*$")
_UPDATE = re.compile(r"^(Update[d]?|Correction|Editor's note)\s*,?\s*([^:]{0,40}):\s*(.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[•·▪●◦*-]\s+")


def is_update_note(text: str) -> bool:
    """Whether a paragraph is an editor's note on a change to the article: "Update, August 1: Added ..."."""
    return bool(_UPDATE.match(text.strip()))


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


def fingerprint(corpus_dir: Path) -> str:
    """sha256 over the names and bytes of every file ingestion would read; changes when the corpus does."""
    h = hashlib.sha256()
    root = corpus_dir.resolve()
    for path in sorted(_candidate_files(corpus_dir)):
        rel = path.relative_to(corpus_dir).as_posix()
        if _refuse(path, root):
            continue  # never read what ingestion skips: a FIFO blocks, a link to /dev/zero never ends
        try:
            data = path.read_bytes()
        except OSError:
            continue
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        sidecar = _sidecar(path)
        if sidecar.is_file():
            h.update(sidecar.read_bytes())
    return h.hexdigest()


def _candidate_files(corpus_dir: Path) -> Iterator[Path]:
    for path in corpus_dir.rglob("*"):
        if path.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in path.parts):
            yield path


def _sidecar(path: Path) -> Path:
    # Optional metadata for a file: "article.txt" -> "article.meta.json" (title, source, date, authors, url).
    return path.with_suffix(".meta.json")


def doc_id_for(rel: str) -> str:
    """A URL-safe id from the file's path inside the corpus. Example: "news/a b.txt" -> "news--a_b"."""
    stem = rel.rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem.replace("/", "--")).strip("._") or "doc"


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[Skipped]]:
    """Every readable .txt/.md/.html file under corpus_dir as a Document, plus the files skipped and why."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist: create it and add .txt, .md or .html files")
    root = corpus_dir.resolve()
    docs: list[Document] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for path in sorted(_candidate_files(corpus_dir)):
        rel = path.relative_to(corpus_dir).as_posix()
        reason = _refuse(path, root)
        if reason:
            skipped.append(Skipped(rel, reason))
            log.warning("skipped %s: %s", rel, reason)
            continue
        try:
            raw = path.read_bytes()
        except OSError as e:  # unreadable (permissions, I/O error): skip it, index the rest
            skipped.append(Skipped(rel, f"cannot read ({e.strerror or e})"))
            log.warning("skipped %s: cannot read (%s)", rel, e.strerror or e)
            continue
        text = _decode(raw, rel)
        doc = parse_document(text, rel, path.suffix.lower())
        if doc is None:
            skipped.append(Skipped(rel, "no body text after removing boilerplate"))
            log.warning("skipped %s: no body text after removing boilerplate", rel)
            continue
        sidecar = _sidecar(path)
        if sidecar.is_file():
            try:
                extra = {str(k): str(v) for k, v in json.loads(sidecar.read_text("utf-8")).items()}
            except (ValueError, AttributeError) as e:
                log.warning("ignored %s: not a JSON object (%s)", sidecar.name, e)
            else:
                title = extra.pop("title", doc.title)
                doc = Document(doc.doc_id, title, doc.source, doc.text, {**doc.metadata, **extra})
        if doc.doc_id in seen:
            doc = Document(f"{doc.doc_id}-{len(seen)}", doc.title, doc.source, doc.text, doc.metadata)
        seen.add(doc.doc_id)
        docs.append(doc)
    return docs, skipped


def _refuse(path: Path, root: Path) -> str | None:
    """Why a file must not be read, or None."""
    try:
        real = path.resolve()
    except OSError as e:
        return f"cannot resolve path ({e})"
    if not real.is_relative_to(root):
        return "symlink pointing outside the corpus folder"
    if not real.is_file():
        return "not a regular file"
    size = real.stat().st_size
    if size == 0:
        return "empty file"
    if size > MAX_FILE_BYTES:
        return f"file of {size / 2**20:.0f} MiB is over the {MAX_FILE_BYTES // 2**20} MiB limit"
    try:
        with real.open("rb") as f:
            head = f.read(8192)
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    if b"\0" in head and not head.startswith(_WIDE_BOMS):
        return "binary file (contains NUL bytes)"
    return None


def _decode(raw: bytes, rel: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None:
        log.warning("%s is not UTF-8; read it as %s", rel, best.encoding)
        return str(best)
    log.warning("%s is not UTF-8 and its encoding is unknown; read it as cp1252 with replacements", rel)
    return raw.decode("cp1252", errors="replace")


def parse_document(text: str, rel: str, suffix: str) -> Document | None:
    """Clean one file's text into a Document (None when nothing of substance is left)."""
    metadata: dict[str, str] = {}
    title = ""
    if suffix in (".html", ".htm"):
        from .html import html_to_text

        text, html_meta = html_to_text(text)
        metadata.update(html_meta)
        title = metadata.pop("title", "")
    elif suffix in (".md", ".markdown"):
        text, front = _front_matter(text)
        metadata.update(front)
        title = metadata.pop("title", "")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not title:
        title = _take_title(lines, markdown=suffix in (".md", ".markdown"))
    body = clean_lines(lines, title, metadata)
    if not body.strip():
        return None
    metadata.setdefault("format", suffix.lstrip("."))
    return Document(doc_id_for(rel), title or rel, rel, body, metadata)


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    # "---\ntitle: X\nauthor: Y\n---\nbody" -> ("body", {"title": "X", "author": "Y"})
    if not text.startswith("---\n"):
        return text, {}
    end = text.find("\n---", 4)
    if end < 0:
        return text, {}
    meta = {}
    for line in text[4:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return text[end + 4 :].lstrip("\n"), meta


def _take_title(lines: list[str], markdown: bool) -> str:
    """The first non-empty line, if it reads like a title (short, no final full stop)."""
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if markdown:
            return s.lstrip("#").strip() if s.startswith("#") else ""
        if len(s) <= 200 and not s.endswith((".", "?", "!", '"', "”")):
            return s
        return ""
    return ""


def _key(line: str) -> str:
    return " ".join(for_matching(line).split()).lower()


def clean_lines(lines: list[str], title: str, metadata: dict[str, str]) -> str:
    """Body paragraphs joined by blank lines; boilerplate dropped, the byline moved to metadata.

    An update note ("Update, August 1: Added comments by ...") is recorded in metadata and kept in the body:
    readers see it under the article and ask when it changed, and only body text can be quoted.

    Each kept paragraph is a line of the source with only its outer whitespace removed, so the stored
    text is the source's own characters (no-break spaces and curly quotes included).
    """
    title_key = _key(title.lstrip("#").strip()) if title else ""
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        s = line.strip()
        if not s:
            continue
        key = _key(s)
        if not key or (title_key and key.lstrip("# ") == title_key):
            continue
        if byline := _BYLINE.match(s):
            metadata["authors"] = ", ".join(a.strip().title() for a in byline.group(1).split(",") if a.strip())
            if byline.group(3):
                metadata["contact"] = byline.group(3)
            break  # a byline closes the article; what follows is the page footer
        if update := _UPDATE.match(s):
            label = update.group(2).strip()
            metadata["updated"] = label or update.group(3)
            metadata["update_note"] = update.group(3)
        if _BULLET.match(s) and len(key.split()) <= 4:
            continue  # menu items and photo-widget labels
        if any(p.search(s) for p in _BOILERPLATE) and len(key.split()) <= 14:
            continue
        if len(key) <= 2:
            continue  # stray letters left by widgets
        if key in seen:
            continue  # photo captions and pull quotes repeated verbatim: keep the first
        seen.add(key)
        kept.append(s)
    return "\n\n".join(kept)
