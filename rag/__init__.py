"""An offline question-answering engine whose every answer quotes the documents it comes from."""

from .errors import RagError
from .pipeline import Pipeline
from .settings import Settings, get_settings
from .types import Answer, Chunk, Citation, Document, Passage, Sentence, Turn

__all__ = [
    "Answer", "Chunk", "Citation", "Document", "Passage", "Pipeline", "RagError", "Sentence", "Settings",
    "Turn", "get_settings",
]
