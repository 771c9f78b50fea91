"""UI tests: repositories with runs and sweeps, and a real UI server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.core import git
from tests.support.runs import write_git_ml

ROOT = Path(__file__).resolve().parents[2]


TRAIN = '''\
"""A toy trainer: loss falls faster with a larger lr; params from params.json."""
import json
import math
from pathlib import Path

import gitml

params = json.loads(Path("params.json").read_text())
lr = float(params["lr"])
depth = int(params["depth"])
for step in range(12):
    loss = math.exp(-lr * 10 * step / depth) + 0.01 * depth
    gitml.log_metric("loss", loss, step=step)
    gitml.log_metric("acc", 1 - loss / 2, step=step)
'''


XSS = "<script>alert(1)</script>"


XSS_KEY = "<img src=x onerror=alert(2)>"


def hermetic_env(home: Path) -> dict[str, str]:
    """Environment of tests/conftest.py's hermetic fixture, for session-scoped repos."""
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n"
    )
    (home / "template").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITML_"))}
    bin_dir = write_git_ml(home / "bin").parent
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_DATE="2026-01-02T03:04:05+00:00",
        GIT_COMMITTER_DATE="2026-01-02T03:04:05+00:00",
        GIT_TEMPLATE_DIR=str(home / "template"),
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}".rstrip(os.pathsep),
    )
    return env


def run_git_ml(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        ["git", "ml", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git ml {' '.join(args)} -> {proc.returncode}\n{proc.stderr}")
    return proc.stdout


def make_project(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=path, env=env, check=True)
    (path / "train.py").write_text(TRAIN)
    (path / "params.json").write_text(json.dumps({"lr": 0.1, "depth": 3}))
    subprocess.run(["git", "add", "."], cwd=path, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "trainer"], cwd=path, env=env, check=True)
    return path


def make_sweep_repo(path: Path, env: dict[str, str]) -> Path:
    """A project with a 3x2 sweep (lr x depth) recorded by a real `git ml run -S`."""
    make_project(path, env)
    run_git_ml(
        path,
        env,
        "run",
        "-S",
        "lr=0.5,0.1,0.02",
        "-S",
        "depth=2,4",
        "--",
        sys.executable,
        "train.py",
    )
    return path


XSS_SCRIPT = """\
import sys
import gitml
with gitml.start_run(
    name="xss-run",
    params={"title": sys.argv[1], sys.argv[2]: 1},
    tags={"note": sys.argv[1]},
    message=sys.argv[1],
):
    for step in range(5):
        gitml.log_metric("loss", 1.0 / (step + 1), step=step)
"""


def add_xss_run(path: Path, env: dict[str, str]) -> None:
    """A run whose param key and values, tag and message are HTML, on a dirty tree."""
    (path / "train.py").write_text(TRAIN + "# edited, uncommitted\n")
    subprocess.run([sys.executable, "-c", XSS_SCRIPT, XSS, XSS_KEY], cwd=path, env=env, check=True)


@dataclass
class Served:
    url: str
    repo: Path
    env: dict[str, str]

    def get(self, path: str, *, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        return fetch(self.url + path.lstrip("/"), method=method)

    def json(self, path: str) -> Any:
        status, _headers, body = self.get(path)
        assert status == 200, body
        return json.loads(body)


def fetch(url: str, *, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """A real UI server for ``root`` on a free port of 127.0.0.1, in a thread."""
    from gitml.ui.server import make_server

    server = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def make_demo_repo(path: Path, env: dict[str, str]) -> Path:
    """The repository ``git ml demo`` builds: runs, a registered model promoted through a
    merged branch and applied, and whatever else the demo walks through."""
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "demo", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"git ml demo failed ({proc.returncode}):\n{proc.stderr}")
    return path


def report_payload(path: Path) -> Any:
    found = re.search(
        r'<script type="application/json" id="gitml-report">(.*?)</script>', path.read_text()
    )
    assert found is not None
    return json.loads(found.group(1))


def ls_json(repo: Path, env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    out = run_git_ml(repo, env, "ls", "--all", "--limit", "0", "--json", *args)
    runs: list[dict[str, Any]] = json.loads(out)
    return runs


__all__ = ["XSS", "XSS_KEY", "Served", "fetch", "git", "ls_json", "report_payload", "serving"]
