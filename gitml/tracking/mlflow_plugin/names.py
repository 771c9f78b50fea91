"""MLflow's model names as gitml's (no MLflow import: importers use it too)."""

from __future__ import annotations


def model_name(name: str) -> str:
    """The gitml model name of an MLflow one: valid names stay; others are lower-cased
    with words split by '-' (``ElasticnetWineModel`` -> ``elasticnet-wine-model``)."""
    import re

    from gitml.registry.names import check_model_name

    if re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", name):
        return name
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name.strip()).lower()
    return check_model_name(re.sub(r"[^a-z0-9._-]+", "-", words).strip("-._")[:64])
