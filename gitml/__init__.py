"""gitml: git-native ML model management.

The logging API (``gitml.log_metric``, ``gitml.start_run`` ...) is loaded on first use,
so ``import gitml`` stays cheap and never imports pygit2 or typer.
"""

from typing import Any

from gitml._version import __version__ as __version__

API_NAMES = frozenset(
    {
        "ActiveRun",
        "GitmlWarning",
        "active_run",
        "log_artifact",
        "log_metric",
        "log_metrics",
        "log_model",
        "log_param",
        "log_params",
        "set_tag",
        "start_run",
    }
)


def __getattr__(name: str) -> Any:
    if name == "models":
        import importlib

        return importlib.import_module("gitml.models")
    if name in API_NAMES:
        from gitml import tracking

        value = getattr(tracking, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gitml' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *API_NAMES})
