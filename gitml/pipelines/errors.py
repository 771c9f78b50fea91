"""The pipelines' error: one line that names the file and the stage."""

from __future__ import annotations

from gitml.errors import GitmlError


class PipelineError(GitmlError):
    """A stage file, lock file or stage that gitml cannot use as it is."""


def at(where: str, stage: str | None, message: str) -> PipelineError:
    """``dvc.yaml: stage 'train': message`` (the stage part left out when ``None``)."""
    head = f"{where}: stage '{stage}': " if stage is not None else f"{where}: "
    return PipelineError(head + message)
