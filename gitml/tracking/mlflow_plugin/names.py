"""MLflow's model names as gitml's (the mapping lives with the registry's names)."""

from __future__ import annotations

from gitml.registry.names import model_name_from_mlflow as model_name

__all__ = ["model_name"]
