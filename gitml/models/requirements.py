"""What a model needs installed: its flavor's packages and what its pickle imports, pinned.

A training run's environment holds far more than the model needs (test runners, linters,
notebooks, gitml itself), and pinning all of it makes an export nobody can install. A
model needs its flavor's library and the modules its file refers to. Pickles (and the
pickles inside PyTorch's zip files) name every module they import in their opcodes, which
``pickletools`` lists without loading anything. Each module maps to its distribution
(``sklearn`` is ``scikit-learn``), pinned to the version the run recorded; the standard
library, gitml and development tools never appear.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

FLAVOR_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "lightgbm": ("lightgbm",),
    "xgboost": ("xgboost",),
    "catboost": ("catboost",),
    "pytorch": ("torch",),
    "tensorflow": ("tensorflow",),
    "keras": ("tensorflow",),
    "onnx": ("onnx", "onnxruntime"),
    "statsmodels": ("statsmodels",),
}
# Import names whose distribution is named differently (the common ones in models).
MODULE_DISTRIBUTIONS: Mapping[str, str] = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "PIL": "pillow",
    "cv2": "opencv-python",
    "yaml": "pyyaml",
    "dateutil": "python-dateutil",
    "google": "protobuf",
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "Bio": "biopython",
    "umap": "umap-learn",
    "category_encoders": "category-encoders",
    "imblearn": "imbalanced-learn",
}
# Never a model's requirement: gitml, packaging and development tools.
NEVER = frozenset(
    {"gitml", "pip", "setuptools", "wheel", "pytest", "mypy", "ruff", "black", "flake8",
     "pre-commit", "selenium", "ipython", "ipykernel", "jupyter", "notebook", "hypothesis",
     "coverage", "pytest-cov", "tox", "nox", "pylint", "isort"}
)  # fmt: skip
_IGNORED_MODULES = frozenset({"__main__", "__builtin__", "builtins", "copyreg", "_codecs"})
_STRINGS = frozenset(
    {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING",
     "BINSTRING", "STRING"}
)  # fmt: skip
_SILENT = frozenset({"PROTO", "FRAME", "MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "STOP"})
_NORMALISE = re.compile(r"[-_.]+")


def normalise(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return _NORMALISE.sub("-", name).lower()


class PickleInfo(NamedTuple):
    """What a pickle file refers to: ``module.name`` globals, the first one first."""

    globals: tuple[tuple[str, str], ...] = ()

    @property
    def modules(self) -> list[str]:
        """Top-level modules the pickle imports (standard library included)."""
        return sorted({module.split(".")[0] for module, _ in self.globals})

    @property
    def main_names(self) -> list[str]:
        """Objects defined in the training script itself (``__main__``)."""
        return sorted({name for module, name in self.globals if module == "__main__"})

    @property
    def top_class(self) -> str | None:
        """``module.Name`` of the pickled object's class (the first global)."""
        if not self.globals:
            return None
        module, name = self.globals[0]
        return f"{module}.{name}"


def _globals(stream: IO[bytes]) -> Iterator[tuple[str, str]]:
    import pickletools  # with pickle, for artifacts that are pickles only

    memo: dict[int, Any] = {}
    pushed: list[Any] = []
    for opcode, arg, _pos in pickletools.genops(stream):
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            module, _, attr = str(arg).partition(" ")
            yield module, attr
            pushed.append(None)
        elif name == "STACK_GLOBAL":
            if len(pushed) >= 2 and isinstance(pushed[-2], str) and isinstance(pushed[-1], str):
                yield pushed[-2], pushed[-1]
            pushed.append(None)
        elif name in _STRINGS:
            pushed.append(arg if isinstance(arg, str) else None)
        elif name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif name in ("PUT", "BINPUT", "LONG_BINPUT") and isinstance(arg, int):
            memo[arg] = pushed[-1] if pushed else None
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            pushed.append(memo.get(arg) if isinstance(arg, int) else None)
        elif name not in _SILENT:
            pushed.append(None)
        if len(pushed) > 64:
            del pushed[:-8]


def _scan(stream: IO[bytes]) -> PickleInfo | None:
    try:
        return PickleInfo(tuple(_globals(stream)))
    except (ValueError, EOFError, KeyError, TypeError, UnicodeDecodeError):
        return None


def read_pickle_info(path: Path) -> PickleInfo | None:
    """The globals of a pickle, or of the pickles in a PyTorch zip; ``None`` for other
    files (a text model, ONNX) or a pickle compressed by joblib."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found: list[tuple[str, str]] = []
                for member in archive.namelist():
                    if member.endswith(".pkl"):
                        info = _scan(io.BytesIO(archive.read(member)))
                        found += info.globals if info is not None else []
                return PickleInfo(tuple(found)) if found else None
        with path.open("rb") as handle:
            if handle.read(1) != b"\x80":  # protocol 2+: every pickle gitml can read
                return None
            handle.seek(0)
            return _scan(handle)
    except (OSError, zipfile.BadZipFile):
        return None


class ModelRequirements:
    """Pinned requirements, and why some could not be pinned or loaded (filled in as found)."""

    def __init__(self) -> None:
        self.requirements: list[str] = []
        self.warnings: list[str] = []


def distribution_of(module: str) -> str | None:
    """The distribution that provides top-level ``module`` (``None``: standard library)."""
    if module in _IGNORED_MODULES or module in sys.stdlib_module_names:
        return None
    return MODULE_DISTRIBUTIONS.get(module, module)


def model_requirements(
    flavor: str | None, info: PickleInfo | None, installed: Iterable[str]
) -> ModelRequirements:
    """Requirements of a model: ``flavor``'s packages and the modules ``info`` names, each
    pinned to the version in ``installed`` (the run's ``name==version`` lines)."""
    pins = {}
    for line in installed:
        name, sep, version = line.strip().partition("==")
        if sep:
            pins[normalise(name)] = f"{name}=={version}"
    wanted: list[str] = list(FLAVOR_PACKAGES.get(flavor or "", ()))
    out = ModelRequirements()
    if info is not None:
        for module in info.modules:
            dist = distribution_of(module)
            if dist is not None:
                wanted.append(dist)
        if info.main_names:
            shown = ", ".join(info.main_names[:3])
            out.warnings.append(
                f"the model file refers to {shown} defined in the training script (__main__); "
                "it loads only where that code is importable: move it into a module"
            )
    seen: set[str] = set()
    for dist in wanted:
        key = normalise(dist)
        if key in seen or key in NEVER:
            continue
        seen.add(key)
        if key in pins:
            out.requirements.append(pins[key])
        else:
            out.requirements.append(dist)
            out.warnings.append(
                f"{dist} is not among the run's recorded packages; it is required unpinned"
            )
    return out


def without_tools(requirements: Sequence[str]) -> list[str]:
    """``requirements`` less gitml and development tools (an export installs the rest)."""
    kept = []
    for line in requirements:
        name = re.split(r"[\s<>=!~;\[@]", line.strip(), maxsplit=1)[0]
        if name and normalise(name) not in NEVER:
            kept.append(line)
    return kept
