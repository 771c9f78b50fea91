"""pygit2 with its package initialiser deferred until something beyond the core is used.

``import pygit2`` runs ``pygit2/__init__.py``, which loads the cffi bindings, ``ssl`` and
every submodule: about 40 ms, most of what a short command such as ``git ml run -- true``
may add. Everything gitml's hot paths call (objects, trees, commits, references, status)
lives in the compiled core ``pygit2._pygit2``.

``install()`` puts a finder in front of ``sys.meta_path`` so that ``import pygit2`` makes
the package module without running its initialiser, loads the core and ``pygit2.enums``
(the core builds its return values from them) and copies the core's names in. The first
time anyone asks the package for a name the core lacks (``pygit2.Index``,
``pygit2.Repository``, ...), the real initialiser runs on the same module object, so the
process ends up with the real pygit2 either way, just later. A ``LeanRepository`` opened
before that turns itself into a ``pygit2.Repository`` the same way, on the first
attribute it lacks. ``GITML_LEAN_PYGIT2=0`` turns all of this off.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.abc import Loader
    from types import ModuleType

_NAME = "pygit2"
_lock = threading.RLock()
_started: list[bool] = []


class _LeanLoader:
    """Runs the core instead of ``pygit2/__init__.py``; keeps the real loader for later."""

    def __init__(self, real: Loader) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        try:
            core = importlib.import_module(_NAME + "._pygit2")
            enums = importlib.import_module(_NAME + ".enums")
            core._cache_enums()
            core.init_file_backend  # noqa: B018 - what LeanRepository opens with
        except (ImportError, AttributeError):
            # A pygit2 whose core is laid out differently: the ordinary import.
            self.real.exec_module(module)
            return
        names = module.__dict__
        for key in dir(core):
            if not key.startswith("_") and key != "Repository":
                names[key] = getattr(core, key)
        names["enums"] = enums
        names["__getattr__"] = _completer(module, self.real)
        names["LeanRepository"] = _lean_repository_class(core)


def _completer(module: ModuleType, real: Loader) -> Any:
    def __getattr__(name: str) -> Any:
        complete(module, real)
        try:
            return module.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {_NAME!r} has no attribute {name!r}") from None

    return __getattr__


def complete(module: ModuleType | None = None, real: Loader | None = None) -> None:
    """Run pygit2's real initialiser on the lean module (once; other threads wait for it)."""
    with _lock:
        module = module if module is not None else sys.modules.get(_NAME)
        if module is None or "__getattr__" not in module.__dict__ or _started:
            return
        if real is None:
            loader = module.__spec__.loader if module.__spec__ is not None else None
            real = loader.real if isinstance(loader, _LeanLoader) else None
        if real is None:
            return
        _started.append(True)
        try:
            real.exec_module(module)
        finally:
            module.__dict__.pop("__getattr__", None)
            spec = module.__spec__
            if spec is not None:
                spec.loader = real
                module.__loader__ = real


def _lean_repository_class(core: ModuleType) -> type:
    base: type = core.Repository

    class LeanRepository(base):  # type: ignore[misc]
        """The core repository plus pygit2's mapping methods; anything else completes it."""

        def __init__(self, path: str) -> None:
            super().__init__(core.init_file_backend(path, 0))

        def get(self, key: Any, default: Any = None) -> Any:
            value = self.git_object_lookup_prefix(key)
            return value if value is not None else default

        def __getitem__(self, key: Any) -> Any:
            value = self.git_object_lookup_prefix(key)
            if value is None:
                raise KeyError(key)
            return value

        def __contains__(self, key: Any) -> bool:
            return self.git_object_lookup_prefix(key) is not None

        def __iter__(self) -> Any:
            return iter(self._upgrade())

        def __repr__(self) -> str:
            return f"pygit2.Repository({self.path!r})"

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            return getattr(self._upgrade(), name)

        def _upgrade(self) -> Any:
            complete()
            full = sys.modules[_NAME].Repository
            self.__class__ = full
            self._common_init()
            return self

    return LeanRepository


class _Finder:
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _NAME:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _LeanLoader(spec.loader)  # type: ignore[assignment]
        return spec


def install() -> None:
    """Make later ``import pygit2`` lean (no-op once pygit2 is imported, or when disabled)."""
    if _NAME in sys.modules or os.environ.get("GITML_LEAN_PYGIT2") == "0":
        return
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def open_repository(path: str) -> Any:
    """A repository handle: lean while pygit2 is, the full class otherwise."""
    import pygit2

    lean = pygit2.__dict__.get("LeanRepository")
    if lean is not None and "__getattr__" in pygit2.__dict__:
        return lean(path)
    return pygit2.Repository(path)
