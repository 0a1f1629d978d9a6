"""What routes declare they need: settings, the loaded pipeline, the generation queue, the feedback store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from rag.pipeline import Pipeline
from rag.settings import Settings

from .feedback import FeedbackStore
from .loader import PipelineLoader
from .queue import GenerationQueue

LOADING_RETRY_AFTER_S = 5


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_loader(request: Request) -> PipelineLoader:
    return request.app.state.loader  # type: ignore[no-any-return]


def get_pipeline(loader: Annotated[PipelineLoader, Depends(get_loader)]) -> Pipeline:
    """The loaded pipeline, or 503 while it is loading (or could not be loaded)."""
    if loader.pipeline is None:
        if loader.error is not None:
            raise HTTPException(503, detail=f"the engine failed to start: {loader.error}")
        raise HTTPException(
            503, detail="the model is still loading: retry shortly",
            headers={"Retry-After": str(LOADING_RETRY_AFTER_S)},
        )
    return loader.pipeline


def get_queue(request: Request) -> GenerationQueue:
    return request.app.state.queue  # type: ignore[no-any-return]


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
LoaderDep = Annotated[PipelineLoader, Depends(get_loader)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
QueueDep = Annotated[GenerationQueue, Depends(get_queue)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
