"""Text in documents that tries to instruct the model (indirect prompt injection, OWASP LLM01)."""

from __future__ import annotations

import re

from .text import for_matching

# Phrases addressed to an AI system rather than to a reader. A sentence containing one is never used as
# evidence: it is neither shown to the model nor quoted. Example: "Ignore all previous instructions."
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|context|documents?)\b"
    r"|\b(answer|reply|respond|say|output|print|write)\b.{0,40}\b(to|for|on) (every|all|any) "
    r"(questions?|quer(y|ies)|requests?|prompts?)\b"
    r"|\b(system|assistant|ai|chatbot|language model)\s*[:,]\s*(ignore|say|answer|reply|respond|you)\b"
    r"|\byou are (now )?(an?|the) (ai|assistant|chatbot|language model)\b"
    r"|\b(new|updated|real) instructions?\s*:"
    r"|\b(reply|respond|answer) (only )?with\b.{0,20}\b(and|then)?\s*(cite|quote) nothing\b",
    re.IGNORECASE,
)


def looks_like_injection(sentence: str) -> bool:
    """True for a sentence that gives orders to an AI assistant instead of informing a reader."""
    return bool(_INJECTION.search(for_matching(sentence)))
