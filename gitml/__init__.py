"""gitml: git-native ML model management.

The Python API (``gitml.log_metric``, ``gitml.start_run``, ``gitml.search_runs`` ...) is
loaded on first use, so ``import gitml`` stays cheap and never imports pygit2 or typer.
Type checkers see every name with its real signature (the imports under
``TYPE_CHECKING``); the lazy loader is hidden from them, so a misspelt name is an error.
"""

from gitml._version import __version__ as __version__

TYPE_CHECKING = False
"""``typing.TYPE_CHECKING``, which type checkers take as True, without importing ``typing``:
``git ml`` imports it only once ``cli.main`` has raised the collector's threshold (the
allocations of that import would otherwise start several collections)."""

# Public name -> the module that defines it (the one table the lazy loader serves).
API: dict[str, str] = {
    "ActiveRun": "gitml.tracking",
    "GitmlWarning": "gitml.tracking",
    "active_run": "gitml.tracking",
    "end_run": "gitml.tracking",
    "log_artifact": "gitml.tracking",
    "log_artifacts": "gitml.tracking",
    "log_metric": "gitml.tracking",
    "log_metrics": "gitml.tracking",
    "log_param": "gitml.tracking",
    "log_params": "gitml.tracking",
    "set_tag": "gitml.tracking",
    "set_tags": "gitml.tracking",
    "start_run": "gitml.tracking",
    "log_dict": "gitml.tracking.media",
    "log_figure": "gitml.tracking.media",
    "log_image": "gitml.tracking.media",
    "log_table": "gitml.tracking.media",
    "log_text": "gitml.tracking.media",
    "log_plot": "gitml.tracking.plots",
    "load_model": "gitml.tracking.models",
    "log_model": "gitml.tracking.models",
    "Metric": "gitml.tracking.read",
    "Run": "gitml.tracking.read",
    "get_run": "gitml.tracking.read",
    "search_runs": "gitml.tracking.read",
    "autolog": "gitml.tracking.autolog",
}
API_NAMES = frozenset(API)

__all__ = sorted(API)

if TYPE_CHECKING:
    from gitml import models as models
    from gitml.tracking import ActiveRun as ActiveRun
    from gitml.tracking import GitmlWarning as GitmlWarning
    from gitml.tracking import active_run as active_run
    from gitml.tracking import end_run as end_run
    from gitml.tracking import log_artifact as log_artifact
    from gitml.tracking import log_artifacts as log_artifacts
    from gitml.tracking import log_metric as log_metric
    from gitml.tracking import log_metrics as log_metrics
    from gitml.tracking import log_param as log_param
    from gitml.tracking import log_params as log_params
    from gitml.tracking import set_tag as set_tag
    from gitml.tracking import set_tags as set_tags
    from gitml.tracking import start_run as start_run
    from gitml.tracking.autolog import autolog as autolog
    from gitml.tracking.media import log_dict as log_dict
    from gitml.tracking.media import log_figure as log_figure
    from gitml.tracking.media import log_image as log_image
    from gitml.tracking.media import log_table as log_table
    from gitml.tracking.media import log_text as log_text
    from gitml.tracking.models import load_model as load_model
    from gitml.tracking.models import log_model as log_model
    from gitml.tracking.plots import log_plot as log_plot
    from gitml.tracking.read import Metric as Metric
    from gitml.tracking.read import Run as Run
    from gitml.tracking.read import get_run as get_run
    from gitml.tracking.read import search_runs as search_runs
else:

    def __getattr__(name: str) -> object:
        import importlib

        if name == "models":
            return importlib.import_module("gitml.models")
        module = API.get(name)
        if module is None:
            raise AttributeError(f"module 'gitml' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *API})
