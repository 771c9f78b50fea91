"""The runs fixtures: a small ML project and a real ``git ml`` on PATH."""

from tests.runs.conftest import ml_env, project

__all__ = ["ml_env", "project"]
