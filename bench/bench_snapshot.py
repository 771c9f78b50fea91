"""A fresh clone's first ``ls`` with and without a signed index snapshot, the snapshot's cost
in the pack, and ``check --all`` in a fresh checkout: alone, with the audit marks, and
with the snapshot's signed audit statement trusted (no marks).

This checkout's build only (the snapshot is new): seed N runs as ``bench_scale`` does,
publish a snapshot signed by a throw-away SSH key, push to a bare remote, clone, pull and
time the first ``ls`` with ``gitml.index.signers`` naming that key and with it unset, and
a teammate's day one (clone, pull, first ``ls``, and the clone's pack bytes) with the key
trusted from the start (the runs history from the statement on) and with none (the whole
history, no snapshot), from the remote as pushed and again once it is repacked with
reachability bitmaps (as hosting services keep a repository); with ``--against REV``, day
one with the key trusted is timed for that build too, on the same remote. Day one clones through ``file://``, git's transport: a clone of
a plain path hardlinks the remote's whole object store, so a pull into it would transfer
nothing. N is 10,000 (``--quick``: 2,000; ``BENCH_SNAPSHOT_RUNS`` overrides).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from bench_cli import _git
from bench_scale import _bytes, _median, _seconds, _seed
from builds import command_env
from common import hermetic_env
from run import Context, Result


def _key(folder: Path) -> tuple[Path, Path]:
    key = folder / "ci-key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", str(key)], check=True
    )
    kind, text = key.with_suffix(".pub").read_text().split()[:2]
    signers = folder / "allowed_signers"
    signers.write_text(f'ci@example.com namespaces="git" {kind} {text}\n')
    return key, signers


def _day_one(
    base: Path,
    remote: Path,
    signers: Path | None,
    env: dict[str, str],
    ml: Callable[..., list[str]],
    *,
    label: str,
    runs: int,
) -> dict[str, float]:
    """A teammate's first day: ``git clone`` through git's transport, then (with
    ``gitml.index.signers`` set when ``signers`` is given, as the team's set-up tells)
    ``git ml pull`` and the first ``ls``; each step's wall time, their sum, and the
    clone's pack bytes a run."""
    clone = base / "day-one"
    steps = {"clone": _seconds(["git", "clone", "-q", remote.as_uri(), str(clone)], base, env)}
    if signers is not None:
        _git(clone, env, "config", "gitml.index.signers", str(signers))
    steps["git ml pull"] = _seconds(ml("pull"), clone, env)
    steps["first ls"] = _seconds(ml("ls"), clone, env)
    out = {f"day one, {label}: {step} (s)": value for step, value in steps.items()}
    out[f"day one, {label}: total (s)"] = sum(steps.values())
    packs = sum(f.stat().st_size for f in (clone / ".git" / "objects" / "pack").glob("*.pack"))
    out[f"day one, {label}: pack bytes a run"] = packs / runs
    shutil.rmtree(clone, ignore_errors=True)
    return out


def run(ctx: Context) -> list[Result]:
    runs = int(os.environ.get("BENCH_SNAPSHOT_RUNS") or (2_000 if ctx.quick else 10_000))
    build = ctx.builds()[0]
    env = command_env(hermetic_env(ctx.workdir / "home"))
    ml = build.command
    base = ctx.workdir
    repo = base / "repo"
    _seed(build, repo, env, runs)
    key, signers = _key(base)
    _git(repo, env, "config", "gpg.format", "ssh")
    _git(repo, env, "config", "user.signingkey", str(key))
    out: dict[str, float] = {}
    out["index publish (s)"] = _seconds(ml("index", "publish"), repo, env)
    remote = base / "remote.git"
    _git(base, env, "init", "-q", "--bare", str(remote))
    _git(repo, env, "remote", "add", "origin", str(remote))
    _git(repo, env, "push", "-q", "origin", "main")
    _seconds(ml("push", "--no-data"), repo, env)
    clone = base / "clone"
    _git(base, env, "clone", "-q", str(remote), str(clone))
    _seconds(ml("pull"), clone, env)
    _git(clone, env, "gc", "--quiet")
    state = clone / ".git" / "gitml"
    pack = _bytes(clone / ".git" / "objects" / "pack", "*.pack")
    snapshot = "refs/remotes/origin/gitml/index:runs"
    segments = [
        f"{snapshot}/{name}\n"
        for name in _git(clone, env, "ls-tree", "--name-only", snapshot).split()
        if name.endswith(".jsonl.z")
    ]
    index_pack = sum(
        map(
            int,
            subprocess.run(
                ["git", "cat-file", "--batch-check=%(objectsize:disk)"],
                cwd=clone,
                env=env,
                input="".join(segments),
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split(),
        )
    )
    out["pack bytes a run (with snapshot)"] = pack / runs
    out["snapshot segment bytes a run in the pack"] = index_pack / runs

    def first_ls(signed: bool) -> float:
        shutil.rmtree(state, ignore_errors=True)
        if signed:
            _git(clone, env, "config", "gitml.index.signers", str(signers))
        else:
            subprocess.run(
                ["git", "config", "--unset-all", "gitml.index.signers"], cwd=clone, env=env
            )
        return _seconds(ml("ls"), clone, env)

    out["first ls, signed snapshot (s)"] = _median(lambda: first_ls(True), 3)
    out["first ls, no snapshot (s)"] = _median(lambda: first_ls(False), 3)
    out["index bytes a run"] = _bytes(state, "index-v*.sqlite*") / runs

    shutil.rmtree(state, ignore_errors=True)
    out["check --all, fresh (s)"] = _seconds(ml("check", "--all"), clone, env)
    marks = [p for p in state.glob("*.txt") if p.name.startswith(("audited-", "check-valid-"))]
    saved = {p.name: p.read_bytes() for p in marks}
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    for name, data in saved.items():
        (state / name).write_bytes(data)
    out["check --all, fresh with audit marks (s)"] = _seconds(ml("check", "--all"), clone, env)
    shutil.rmtree(state, ignore_errors=True)  # no CI cache: the signed statement alone
    _git(clone, env, "config", "gitml.index.signers", str(signers))
    out["check --all, fresh with trusted statement (s)"] = _seconds(
        ml("check", "--all"), clone, env
    )

    day_one = functools.partial(_day_one, base, remote, env=env, runs=runs)
    others = ctx.builds()[1:]
    for remote_is in ("as pushed", "bitmapped remote"):
        if remote_is != "as pushed":
            _git(remote, env, "repack", "-a", "-d", "-b", "-q")
        out.update(day_one(None, ml=ml, label=f"{remote_is}, nothing trusted"))
        out.update(day_one(signers, ml=ml, label=f"{remote_is}, snapshot trusted"))
        for other in others:
            label = f"{remote_is}, snapshot trusted, {other.label}"
            out.update(day_one(signers, ml=other.command, label=label))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    results = []
    for row, value in out.items():
        unit = "B" if "bytes" in row else "s"
        detail = f"{runs:,} runs, load {load:.1f}"
        results.append(
            Result(f"{row.removesuffix(' (s)')}, {runs:,} runs", value, unit, detail=detail)
        )
    return results
