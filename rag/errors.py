"""Errors the engine raises on purpose; each message says how to fix the problem."""


class RagError(Exception):
    """Base class: a problem the user can fix, shown without a traceback."""


class ConfigError(RagError):
    """A setting is invalid."""


class ModelError(RagError):
    """A packaged model is missing, corrupt or cannot be loaded."""


class IndexMissingError(RagError):
    """No index exists where one was expected."""


class IndexStaleError(RagError):
    """The index was built from other documents, another embedder or an older format."""


class IndexCorruptError(RagError):
    """An index file is truncated or unreadable."""


class CorpusError(RagError):
    """The corpus folder is missing or holds no usable document."""


class InputError(RagError):
    """A question or request that cannot be answered as given (empty, too long, malformed history)."""


class GenerationTimeout(RagError):
    """The generator ran past its time budget."""
