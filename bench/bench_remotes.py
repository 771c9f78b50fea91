"""``git ml data push``/``pull`` over every kind of data remote, on the same data.

gitml is installed from a wheel with the remote extras (``s3,gcs,azure,ssh,http``) into
a fresh venv. Each kind runs against a real server on 127.0.0.1 (tests/servers.py): a
folder, S3 (moto's server), ssh:// (OpenSSH's sshd), azure:// (Azurite), gs://
(gcp-storage-emulator) and https:// (Python's http.server over a pushed folder, pull
only). The data is one 256 MiB file and 1,000 files of 16 KiB (``--quick``: 32 MiB and
200 files), added once. Each push goes to an empty prefix; each pull runs in a fresh
clone with an empty cache, so every object moves every time. Rows: median wall seconds
of the whole command (``-j 8``), and the ratio to S3 on the same data.

The servers are emulators (in-memory Python or Node processes sharing the 2 cores), so
the figures compare gitml's clients under equal conditions, not the cloud services.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from builds import Build, command_env, install
from common import ROOT, hermetic_env
from run import Context, Result

sys.path.insert(0, str(ROOT))
from tests import servers

JOBS = "8"


def _run(build: Build, cwd: Path, env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(build.command(*args), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git ml {' '.join(args)}: {proc.stderr.strip()}")
    return time.perf_counter() - started


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _kinds(
    stack: ExitStack, ctx: Context, env: dict[str, str]
) -> dict[str, Callable[[str], tuple[str, list[str]]]]:
    """Kind -> a function giving a fresh empty remote's URL and ``--option``s for a tag."""
    kinds: dict[str, Callable[[str], tuple[str, list[str]]]] = {}
    folder_root = ctx.workdir / "folder-remotes"
    folder_root.mkdir()

    def folder(tag: str) -> tuple[str, list[str]]:
        (folder_root / tag).mkdir()
        return str(folder_root / tag), []

    kinds["folder"] = folder

    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    moto = stack.enter_context(servers.moto_s3())
    import boto3

    boto3.client(
        "s3",
        endpoint_url=moto,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket="bench")
    kinds["s3"] = lambda tag: (f"s3://bench/{tag}", [f"--endpoint-url={moto}"])

    try:
        ssh = stack.enter_context(servers.sshd())
        ssh.install_client(Path(env["HOME"]))
        ssh_root = ctx.workdir / "ssh-remotes"
        ssh_root.mkdir()

        def ssh_remote(tag: str) -> tuple[str, list[str]]:
            (ssh_root / tag).mkdir()
            return ssh.url(ssh_root / tag), []

        kinds["ssh"] = ssh_remote
    except servers.Unavailable as exc:
        ctx.say(f"no ssh row: {exc}")
    try:
        azurite = stack.enter_context(servers.azurite())
        env["AZURE_STORAGE_CONNECTION_STRING"] = azurite.connection_string
        import adlfs

        fs = adlfs.AzureBlobFileSystem(
            connection_string=azurite.connection_string, skip_instance_cache=True
        )
        fs.mkdir("bench")
        kinds["azure"] = lambda tag: (f"azure://bench/{tag}", [])
    except servers.Unavailable as exc:
        ctx.say(f"no azure row: {exc}")
    try:
        gcs = stack.enter_context(servers.gcs_emulator())
        options = [f"--option=endpoint_url={gcs.endpoint}", "--option=token=anon"]
        kinds["gcs"] = lambda tag: (f"gs://{gcs.bucket}/{tag}", options)
    except servers.Unavailable as exc:
        ctx.say(f"no gcs row: {exc}")
    return kinds


def _data_repo(ctx: Context, build: Build, env: dict[str, str]) -> Path:
    big_mib, small = (32, 200) if ctx.quick else (256, 1_000)
    repo = ctx.workdir / "repo"
    repo.mkdir()
    _git(repo, env, "init", "-q")
    _run(build, repo, env, "init", "-q")
    (repo / "big").mkdir()
    with (repo / "big" / "weights.bin").open("wb") as out:
        for _ in range(big_mib):
            out.write(os.urandom(1 << 20))
    (repo / "small").mkdir()
    for i in range(small):
        # No file ends with CR, which the GCS emulator would keep short (servers.random_bytes).
        (repo / "small" / f"{i:05d}.bin").write_bytes(servers.random_bytes(16 << 10))
    _run(build, repo, env, "data", "add", "big", "small", "-q")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "data")
    ctx.say(f"data: one {big_mib} MiB file and {small} files of 16 KiB")
    return repo


def _push_pull(
    build: Build,
    repo: Path,
    env: dict[str, str],
    name: str,
    remote: tuple[str, list[str]],
    clone: Path,
) -> tuple[float, float]:
    url, options = remote
    _run(build, repo, env, "data", "remote", "add", name, url, *options, "-q")
    pushed = _run(build, repo, env, "data", "push", "-r", name, "-j", JOBS, "-q")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", f"remote {name}")
    _git(clone.parent, env, "clone", "-q", str(repo), str(clone))
    pulled = _run(build, clone, env, "data", "pull", "-r", name, "-j", JOBS, "-q")
    return pushed, pulled


def run(ctx: Context) -> list[Result]:
    build = install(ctx.workdir / "build", extras="s3,gcs,azure,ssh,http")
    env = command_env(hermetic_env(ctx.workdir / "home"))
    reps = 3 if ctx.quick else 5
    repo = _data_repo(ctx, build, env)
    times: dict[str, dict[str, list[float]]] = {}
    with ExitStack() as stack:
        kinds = _kinds(stack, ctx, env)
        served = stack.enter_context(servers.http_server(ctx.workdir / "folder-remotes"))
        for rep in range(reps):
            for kind, fresh in kinds.items():
                name = f"{kind}{rep}"
                clone = ctx.workdir / "clones" / name
                clone.parent.mkdir(exist_ok=True)
                try:
                    pushed, pulled = _push_pull(build, repo, env, name, fresh(name), clone)
                except RuntimeError as exc:  # a refused (e.g. corrupt) transfer is reported
                    ctx.say(f"{kind}, round {rep + 1}: {exc}")
                    continue
                times.setdefault(kind, {}).setdefault("push", []).append(pushed)
                times[kind].setdefault("pull", []).append(pulled)
                if kind == "folder":  # what was just pushed, served read-only
                    clone = ctx.workdir / "clones" / f"https{rep}"
                    pulled = _https_pull(build, repo, env, served, name, clone)
                    times.setdefault("https", {}).setdefault("pull", []).append(pulled)
            ctx.say(f"round {rep + 1} of {reps}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    results = []
    s3 = {op: statistics.median(times["s3"][op]) for op in ("push", "pull")}
    for kind, ops in times.items():
        for op, samples in ops.items():
            value = statistics.median(samples)
            ratio = value / s3[op]
            results.append(
                Result(
                    f"data {op}, {kind}",
                    value,
                    "s",
                    detail=f"{ratio:.2f}x S3; median of {len(samples)}; load {load:.1f}",
                )
            )
    return results


def _https_pull(
    build: Build, repo: Path, env: dict[str, str], base: str, folder: str, clone: Path
) -> float:
    """Pull from the folder remote ``folder`` served over HTTP by ``base`` (read-only)."""
    name = f"https-{folder}"
    _run(build, repo, env, "data", "remote", "add", name, f"{base}/{folder}", "-q")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", f"remote {name}")
    _git(clone.parent, env, "clone", "-q", str(repo), str(clone))
    return _run(build, clone, env, "data", "pull", "-r", name, "-j", JOBS, "-q")
