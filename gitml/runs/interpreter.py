"""Which Python interpreter a run's command runs, so the run records that environment.

gitml may be installed anywhere (``pipx``, another venv); what matters is the interpreter
the command uses. It is found from the command line, in this order:

- ``uv run [OPTIONS] CMD``: ``--python``, else the project environment (``UV_PROJECT_
  ENVIRONMENT``, else the nearest ``.venv`` from the run's folder), in which CMD runs;
- ``conda run -n NAME | -p PREFIX CMD`` (also ``mamba``, ``micromamba``): CMD inside that
  environment;
- ``env``, ``nice``, ``nohup``, ``time`` and ``sh -c 'CMD …'`` (its first command) are
  looked through;
- ``python``, ``python3.12``, ``/venv/bin/python`` (``-m module`` included): that
  interpreter, found on the command's ``PATH``;
- a script or console script with a ``#!`` line naming Python (``#!/usr/bin/env
  python3``, a venv's ``bin/pytest``): that interpreter.

Otherwise the first ``python3``/``python`` on the command's ``PATH`` is taken as a guess
(``python_from = "path"``). A script that imports gitml reports its own interpreter
through the spool, which wins over all of these (``"script"``).

An interpreter's version and module search path are asked of it once (a short
subprocess) and cached under ``.git/gitml`` keyed by its path, its file's mtime and size,
its ``pyvenv.cfg`` and the variables that change ``sys.path``; a cached answer costs a
few ``stat`` calls.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from gitml.records.stand_ins import JsonObject, PythonFrom
from gitml.runs.env import MAX_CACHED, load_json, save_json, which

CACHE = "env-interpreters.json"
_PYTHON = re.compile(r"(?:python|pypy)(?:\d+(?:\.\d+)*)?[mtw]?(?:\.exe)?")
_WRAPPERS = {"nice", "nohup", "time", "exec", "command"}
_CONDA = {"conda", "mamba", "micromamba"}
_SHELLS = {"sh", "bash", "dash", "zsh", "ksh"}
_UV_VALUE_OPTIONS = frozenset({
    "--python", "-p", "--directory", "--project", "--with", "--with-editable", "--with-requirements", "--extra", "--group", "--only-group",
    "--no-group", "--package", "--index", "--default-index", "--index-url", "--extra-index-url",
    "--find-links", "-f", "--env-file", "--config-file", "--cache-dir", "--color", "--prerelease",
    "--resolution", "--index-strategy", "--keyring-provider", "--link-mode", "--refresh-package",
    "--reinstall-package", "--upgrade-package", "-P", "--exclude-newer", "--script",
})  # fmt: skip
_CONDA_VALUE_OPTIONS = frozenset({"-n", "--name", "-p", "--prefix", "--cwd", "--root-prefix", "-r"})
PROBE = (
    "import json, platform, sys; print(json.dumps({'executable': sys.executable, "
    "'python': platform.python_version(), 'implementation': platform.python_implementation(), "
    "'path': [p for p in sys.path[1:] if p]}))"
)
_SYS_PATH_VARS = ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "HOME")


class Interpreter(NamedTuple):
    """A Python interpreter: what the run record says about it, and where its packages are."""

    executable: str
    python: str
    implementation: str
    path: tuple[str, ...]
    source: PythonFrom

    @classmethod
    def current(cls, source: PythonFrom) -> "Interpreter":
        """This process's interpreter."""
        import platform

        return cls(
            executable=sys.executable,
            python=platform.python_version(),
            implementation=platform.python_implementation(),
            path=tuple(p for p in sys.path if p),
            source=source,
        )

    @classmethod
    def from_report(cls, data: Mapping[str, Any]) -> "Interpreter | None":
        """The interpreter a script reported through the spool (``None`` if malformed)."""
        try:
            return cls(
                executable=str(data["executable"]),
                python=str(data["python"]),
                implementation=str(data["implementation"]),
                path=tuple(str(p) for p in data["path"]),
                source="script",
            )
        except (KeyError, TypeError):
            return None

    def same_as(self, other: "Interpreter") -> bool:
        return _real(self.executable) == _real(other.executable) and self.path == other.path


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except OSError:
        return path


def find_interpreter(
    command: Sequence[str], cwd: Path, environ: Mapping[str, str], state_dir: Path | None
) -> "Interpreter":
    """The interpreter ``command`` runs (see the module doc), described and cached."""
    found: tuple[Path, PythonFrom] | None = locate(command, cwd, environ)
    if found is None:
        guess = _on_path(("python3", "python"), environ.get("PATH"))
        found = (guess, "path") if guess is not None else None
    if found is not None:
        described = describe(found[0], found[1], environ, state_dir)
        if described is not None:
            return described
    return Interpreter.current("gitml")


def locate(
    command: Sequence[str], cwd: Path, environ: Mapping[str, str]
) -> tuple[Path, PythonFrom] | None:
    """(interpreter, how it was found) from the command line alone, or ``None``."""
    args = list(command)
    path_var = environ.get("PATH")
    for _ in range(8):  # wrappers nest (env nice uv run ...), but not forever
        if not args:
            return None
        name = Path(args[0]).name
        if name == "env":
            args = _after_env(args[1:])
        elif name in _WRAPPERS:
            args = _drop_options(args[1:])
        elif name in _SHELLS and "-c" in args[1:-1]:
            try:
                words = shlex.split(args[args.index("-c", 1) + 1], comments=True)
            except ValueError:
                return None
            while words and words[0] in ("(", "{"):  # a subshell or group around the command
                words = words[1:]
            args = words
        elif name == "uv" and len(args) > 1 and args[1] == "run":
            return _uv(args[2:], cwd, environ)
        elif name in _CONDA and len(args) > 1 and args[1] == "run":
            return _conda(args[0], args[2:], environ)
        else:
            return _direct(args[0], cwd, path_var)
    return None


def _drop_options(args: list[str]) -> list[str]:
    """``args`` past a wrapper's options (``nice -n 10``, ``time -p``)."""
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in ("-n", "--adjustment") else args[1:]
    return args


def _after_env(args: list[str]) -> list[str]:
    while args and (args[0].startswith("-") or "=" in args[0]):
        args = args[2:] if args[0] in ("-u", "--unset", "-C", "--chdir") else args[1:]
    return args


def _on_path(names: Sequence[str], path_var: str | None) -> Path | None:
    for name in names:
        found = which(name, path_var)
        if found is not None:
            return Path(found)
    return None


def _direct(program: str, cwd: Path, path_var: str | None) -> tuple[Path, PythonFrom] | None:
    """A Python interpreter named directly, or a script whose ``#!`` names one."""
    if "/" in program:
        exe: Path | None = (cwd / program) if not Path(program).is_absolute() else Path(program)
    else:
        exe = _on_path((program,), path_var)
    if exe is None or not exe.is_file():
        return None
    if _PYTHON.fullmatch(exe.name):
        return exe, "command"
    interpreter = _shebang(exe, path_var)
    return (interpreter, "shebang") if interpreter is not None else None


def _shebang(script: Path, path_var: str | None) -> Path | None:
    try:
        with script.open("rb") as handle:
            first = handle.readline(512)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", "replace").split()
    if words and Path(words[0]).name == "env":
        words = _after_env(words[1:])
        if not words:
            return None
        found = _on_path((words[0],), path_var)
    else:
        found = Path(words[0]) if words else None
    if found is None or not _PYTHON.fullmatch(found.name) or not found.exists():
        return None
    return found


def _split_options(args: list[str], valued: frozenset[str]) -> tuple[dict[str, str], list[str]]:
    """(option -> value, the command after them) of ``TOOL run [OPTIONS] [--] CMD``."""
    options: dict[str, str] = {}
    while args and args[0].startswith("-") and args[0] != "--":
        option, eq, value = args[0].partition("=")
        if option in valued and not eq:
            value = args[1] if len(args) > 1 else ""
            args = args[2:]
        else:
            args = args[1:]
        options[option] = value
    if args and args[0] == "--":
        args = args[1:]
    return options, args


def _uv(args: list[str], cwd: Path, environ: Mapping[str, str]) -> tuple[Path, PythonFrom] | None:
    options, args = _split_options(args, _UV_VALUE_OPTIONS)
    python = options.get("--python") or options.get("-p")
    project = cwd / (options.get("--directory") or options.get("--project") or ".")
    if python:
        exe = Path(python) if "/" in python else _on_path((python,), environ.get("PATH"))
        return (exe, "uv") if exe is not None and exe.exists() else None
    venv = _uv_environment(project, environ)
    if venv is None:
        return None
    return _inside(venv, args, environ, "uv")


def _uv_environment(project: Path, environ: Mapping[str, str]) -> Path | None:
    named = environ.get("UV_PROJECT_ENVIRONMENT")
    if named:
        return project / named
    for folder in (project, *project.parents):
        if (folder / ".venv" / "pyvenv.cfg").is_file():
            return folder / ".venv"
        if (folder / "pyproject.toml").is_file():
            return None  # the project root has no environment yet
    return None


def _conda(
    tool: str, args: list[str], environ: Mapping[str, str]
) -> tuple[Path, PythonFrom] | None:
    options, args = _split_options(args, _CONDA_VALUE_OPTIONS)
    named = options.get("-p") or options.get("--prefix")
    prefix = Path(named) if named else None
    name = options.get("-n") or options.get("--name")
    if prefix is None and name:
        prefix = _conda_named(tool, name, environ)
    if prefix is None:
        prefix_var = environ.get("CONDA_PREFIX")
        prefix = Path(prefix_var) if prefix_var else None
    if prefix is None or not prefix.is_dir():
        return None
    return _inside(prefix, args, environ, "conda")


def _conda_named(tool: str, name: str, environ: Mapping[str, str]) -> Path | None:
    roots: list[Path] = [Path(p) for p in environ.get("CONDA_ENVS_PATH", "").split(os.pathsep) if p]
    exe = Path(tool) if "/" in tool else _on_path((tool,), environ.get("PATH"))
    bases = [Path(environ[v]) for v in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX") if environ.get(v)]
    if exe is not None:
        bases.append(Path(_real(str(exe))).parent.parent)
    if name == "base":
        return next((b for b in bases if (b / "conda-meta").is_dir()), None)
    roots += [b / "envs" for b in bases]
    home = environ.get("HOME")
    if home:
        roots.append(Path(home) / ".conda" / "envs")
    return next((r / name for r in roots if (r / name).is_dir()), None)


def _inside(
    prefix: Path, args: list[str], environ: Mapping[str, str], source: PythonFrom
) -> tuple[Path, PythonFrom] | None:
    """The interpreter of ``args`` run inside environment ``prefix`` (its bin first)."""
    bin_dir = prefix / ("Scripts" if os.name == "nt" else "bin")
    path_var = os.pathsep.join(p for p in (str(bin_dir), environ.get("PATH", "")) if p)
    if args:
        found = locate(args, prefix, {**environ, "PATH": path_var})
        if found is not None:
            return found[0], source
    own = _on_path(("python", "python3"), str(bin_dir))
    return (own, source) if own is not None else None


def _stamp(exe: Path, environ: Mapping[str, str]) -> list[Any] | None:
    """What, if changed, may change the interpreter's answers."""
    try:
        st = exe.stat()
    except OSError:
        return None
    cfg = exe.parent.parent / "pyvenv.cfg"
    try:
        cfg_mtime: int | None = cfg.stat().st_mtime_ns
    except OSError:
        cfg_mtime = None
    return [st.st_mtime_ns, st.st_size, cfg_mtime, *(environ.get(v) for v in _SYS_PATH_VARS)]


def describe(
    exe: Path, source: PythonFrom, environ: Mapping[str, str], state_dir: Path | None
) -> "Interpreter | None":
    """Version and search path of ``exe`` (asked once, then cached); ``None`` if it fails."""
    stamp = _stamp(exe, environ)
    if stamp is None:
        return None
    key = str(exe)
    cache = state_dir / CACHE if state_dir is not None else None
    saved = load_json(cache)
    entry = saved.get(key)
    info = entry.get("info") if isinstance(entry, dict) and entry.get("stamp") == stamp else None
    if info is None:
        info = _probe(exe, environ)
        if info is None:
            return None
        saved.pop(key, None)
        saved[key] = {"stamp": stamp, "info": info}
        save_json(cache, dict(list(saved.items())[-MAX_CACHED:]))
    try:
        return Interpreter(
            executable=str(exe),
            python=str(info["python"]),
            implementation=str(info["implementation"]),
            path=tuple(str(p) for p in info["path"]),
            source=source,
        )
    except (KeyError, TypeError):
        return None


def _probe(exe: Path, environ: Mapping[str, str]) -> JsonObject | None:
    env = {k: v for k, v in environ.items() if not k.startswith("GITML_")}
    try:
        proc = subprocess.run(
            [str(exe), "-c", PROBE],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return info if isinstance(info, dict) else None


def can_import(interpreter: Interpreter, module: str, environ: Mapping[str, str]) -> bool:
    """Whether ``interpreter`` finds ``module`` (without importing it)."""
    check = "import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)"
    try:
        proc = subprocess.run(
            [interpreter.executable, "-c", check, module],
            capture_output=True,
            env=dict(environ),
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0
