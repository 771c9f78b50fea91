"""The environment of a run: Python, platform, packages, CPU, GPU and allowlisted variables.

Python and its packages are those of the interpreter the command runs
(``gitml.runs.interpreter``), not gitml's own. Secrets never enter a record: variables
whose name looks secret are dropped even when allowlisted (command lines and params are
redacted by ``gitml.runs.redact``). The installed-package list is identical across most
runs, so the record keeps only its digest and count; the list itself is stored once,
content-addressed, beside the records. It is computed from the ``*.dist-info`` folder
names on the interpreter's module search path and cached under ``.git/gitml`` keyed by
those folders' modification times.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml._version import __version__
from gitml.atomic import write_atomic
from gitml.records.stand_ins import EnvTable, JsonObject

if TYPE_CHECKING:
    from gitml.runs.interpreter import Interpreter

PACKAGES_CACHE = "env-packages.json"
MAX_CACHED = 32
REDACTED = "***"
_SECRET_PARTS = ("token", "secret", "passw", "credential", "apikey", "private", "cookie")
_SECRET_WORDS = {"key", "pass", "pwd", "auth", "session", "signature", "cert"}
_NORMALISE = re.compile(r"[-_.]+")


class Environment(NamedTuple):
    info: EnvTable
    packages_text: str = ""
    packages_digest: str = ""

    @property
    def packages_hex(self) -> str:
        return self.packages_digest.partition(":")[2]


def looks_secret(name: str) -> bool:
    """True for names such as API_KEY, --auth-token, db_password, AWS_SECRET_ACCESS_KEY."""
    lowered = name.lower().lstrip("-")
    if any(part in lowered for part in _SECRET_PARTS):
        return True
    words = [w for w in re.split(r"[^a-z0-9]+", lowered) if w]
    return any(w in _SECRET_WORDS or w.endswith("key") for w in words)


def allowed_vars(environ: Mapping[str, str], allowlist: Sequence[str]) -> dict[str, str]:
    return {name: environ[name] for name in allowlist if name in environ and not looks_secret(name)}


def site_dirs(path: Sequence[str]) -> list[str]:
    """The folders of a module search path that exist, once each, in order."""
    return [p for p in dict.fromkeys(path) if p and Path(p).is_dir()]


def load_json(path: Path | None) -> JsonObject:
    """A JSON object cached under ``.git/gitml`` ({} when absent or unreadable)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_json(path: Path | None, data: Mapping[str, Any]) -> None:
    """Replace a cache file atomically (a cache: failures are ignored)."""
    if path is None:
        return
    try:
        write_atomic(path, json.dumps(data))
    except OSError:
        pass


def _scan_packages(dirs: Sequence[str]) -> list[str]:
    found: dict[str, str] = {}
    for directory in dirs:
        try:
            names = [entry.name for entry in Path(directory).iterdir()]
        except OSError:
            continue
        for entry in names:
            if entry.endswith(".dist-info"):
                stem = entry[: -len(".dist-info")]
            elif entry.endswith(".egg-info"):
                stem = entry[: -len(".egg-info")]
            else:
                continue
            name, _, version = stem.partition("-")
            version = version.split("-py", 1)[0]
            key = _NORMALISE.sub("-", name).lower()
            if key and version:
                found.setdefault(key, version)
    return [f"{name}=={version}" for name, version in sorted(found.items())]


def packages(state_dir: Path | None, path: Sequence[str] | None = None) -> tuple[str, str, int]:
    """(list text, ``xxh3-128:<hex>`` digest, count) of the packages on a module search
    path (default: this interpreter's), cached per path."""
    import xxhash

    dirs = site_dirs(sys.path if path is None else path)
    key = []
    for d in dirs:
        try:
            key.append([d, Path(d).stat().st_mtime_ns])
        except OSError:
            continue
    name = "\n".join(dirs)
    cache = state_dir / PACKAGES_CACHE if state_dir is not None else None
    saved = load_json(cache)
    entry = saved.get(name)
    if isinstance(entry, dict) and entry.get("key") == key:
        try:
            return str(entry["text"]), str(entry["digest"]), int(entry["count"])
        except (KeyError, TypeError, ValueError):
            pass
    lines = _scan_packages(dirs)
    text = "".join(f"{line}\n" for line in lines)
    digest = "xxh3-128:" + xxhash.xxh3_128_hexdigest(text.encode("utf-8"))
    saved.pop(name, None)
    saved[name] = {"key": key, "text": text, "digest": digest, "count": len(lines)}
    save_json(cache, dict(list(saved.items())[-MAX_CACHED:]))
    return text, digest, len(lines)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    import platform  # only where /proc/cpuinfo names no model

    return platform.processor() or platform.machine()


def which(name: str, path_var: str | None = None) -> str | None:
    """The executable file ``name`` runs on ``path_var`` (``$PATH`` when None), found as
    ``shutil.which`` finds it on POSIX; every run looks, and shutil imports bz2 and lzma."""
    if "/" in name:
        return name if _executable(name) else None
    if path_var is None:
        path_var = os.environ.get("PATH", os.defpath)
    for folder in dict.fromkeys(path_var.split(os.pathsep) if path_var else ()):
        found = str(Path(folder, name))
        if _executable(found):
            return found
    return None


def _executable(path: str) -> bool:
    return os.access(path, os.X_OK) and not Path(path).is_dir()


def gpus(timeout: float = 5.0) -> list[str]:
    """GPU names and memory from ``nvidia-smi`` where it is installed; [] otherwise."""
    exe = which("nvidia-smi")
    if exe is None:
        return []
    try:
        proc = subprocess.run(
            [exe, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if proc.returncode != 0:
        return []
    return [line.strip() for line in proc.stdout.splitlines() if line.strip()]


def capture_env(
    state_dir: Path | None, allowlist: Sequence[str], interpreter: "Interpreter"
) -> Environment:
    """Everything the record's ``env`` table holds, plus the package list, for a run whose
    command runs ``interpreter``."""
    text, digest, count = packages(state_dir, interpreter.path)
    uname = os.uname()
    info: EnvTable = {
        "python": interpreter.python,
        "implementation": interpreter.implementation,
        "executable": interpreter.executable,
        "python_from": interpreter.source,
        "platform": f"{uname.sysname}-{uname.release}-{uname.machine}",
        "machine": uname.machine,
        "cpu": cpu_model(),
        "cpus": os.cpu_count() or 1,
        "gpus": gpus(),
        "gitml": __version__,
        "packages": {"digest": digest, "count": count},
        "vars": allowed_vars(os.environ, allowlist),
    }
    return Environment(info, text, digest)
