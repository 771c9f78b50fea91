from tests.registry.conftest import project

__all__ = ["project"]
