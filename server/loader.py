"""Loading the engine once, in a background thread, so the server answers /health while the model loads."""

from __future__ import annotations

import logging
import threading
from typing import Literal

from rag import places
from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.settings import Settings

log = logging.getLogger(__name__)


class PipelineLoader:
    """Holds the pipeline once it is loaded and warmed up; `error` says why it could not be."""

    def __init__(self, settings: Settings, pipeline: Pipeline | None = None) -> None:
        self.settings = settings
        self._given = pipeline
        self.pipeline: Pipeline | None = None  # set only after the warm-up: when set, it is ready
        self.error: str | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> Literal["loading", "ok", "error"]:
        if self.pipeline is not None:
            return "ok"
        return "error" if self.error is not None else "loading"

    def start(self) -> None:
        """Begin loading; a second call (another lifespan of the same app) does nothing."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="pipeline-loader", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """True once loading has finished, successfully or not."""
        return self._done.wait(timeout)

    def _load(self) -> None:
        try:
            pipeline = self._given or Pipeline.from_settings(self.settings)
            pipeline.embedder.embed("warm up")
            places.load()
            pipeline.generator.warm_up()
            self.pipeline = pipeline
            log.info("engine ready: %s, %s", pipeline.generator.name, pipeline.embedder.name)
        except RagError as e:
            self.error = str(e)
            log.error("cannot start the engine: %s", e)
        except Exception as e:  # a bug or a broken install: keep serving /health with the reason
            self.error = f"{type(e).__name__}: {e}"
            log.exception("cannot start the engine")
        finally:
            self._done.set()
