"""What a parameter's values are, for shell completion.

A declaration marks a parameter with one of these as extra ``Annotated`` metadata, beside
its ``typer.Option``/``typer.Argument`` (typer ignores metadata that is not its own):

    name: Annotated[str, typer.Argument(metavar="NAME", help="..."), MODELS]

``_generate`` copies the kind into the generated spec, where the completion engine
(``_complete``) reads it. Path parameters complete file names without a mark.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Values:
    """A kind of value (``run``, ``model``...) or a fixed set of ``choices``."""

    kind: str
    choices: tuple[str, ...] = ()

    def spec(self) -> str:
        """The form stored in the spec: ``kind`` or ``choice:a|b|c``."""
        return f"choice:{'|'.join(self.choices)}" if self.choices else self.kind


def choices(*values: str) -> Values:
    """One of ``values`` (e.g. an output format)."""
    return Values("choice", values)


RUNS = Values("run")  # run ids and names
MODELS = Values("model")  # registered model names
MODEL_REFS = Values("model-ref")  # NAME, NAME@STAGE, NAME:VERSION
VERSIONS = Values("version")  # versions of the model named just before
STAGES = Values("stage")  # stages of .gitml/config.toml
DATASETS = Values("dataset")  # dataset names of the pointer files
DATA_REMOTES = Values("data-remote")  # data remotes of .gitml/config.toml
GIT_REMOTES = Values("git-remote")  # git remotes
PIPELINE_STAGES = Values("pipeline-stage")  # stages of dvc.yaml
FILES = Values("file")
DIRS = Values("dir")
LINEAGE_TARGETS = Values("lineage")  # runs, model refs, datasets and files
