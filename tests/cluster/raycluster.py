"""A real local Ray cluster on loopback: a head and worker nodes, each its own process tree.

Each node is ``ray start --block`` in a session of its own, with its own temp dir, its own
``TMPDIR`` (where gitml keeps the node's repository) and its own loopback address
(127.0.0.2 for the head, 127.0.0.3... for workers), so Ray never uses the machine's network
address. ``stop`` ends every process of every node (SIGTERM to its process group, SIGKILL
after a grace period) and then looks for any process still naming the cluster's folder.
Used by the tests (a session fixture) and by ``bench/bench_ray.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HEAD_IP = "127.0.0.2"
START_TIMEOUT = 90.0


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    name: str
    ip: str
    proc: subprocess.Popen[bytes]
    log: Path

    def pids(self) -> list[int]:
        """Every live process of this node's process group (zombies have ended)."""
        self.proc.poll()  # reap ``ray start`` itself once it has exited
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) != self.proc.pid:
                        continue
                    state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
                except (OSError, IndexError):
                    continue
                if state != "Z":
                    found.append(int(entry.name))
        return found


@dataclass
class RayCluster:
    """A running cluster; ``address`` is what ``--on ray://`` takes."""

    root: Path
    ray_bin: Path
    env: dict[str, str]
    port: int = 0
    nodes: list[Node] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{HEAD_IP}:{self.port}"

    def _start(self, name: str, ip: str, args: list[str], path_prefix: str = "") -> Node:
        folder = self.root / name
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        log = folder / "node.log"
        env = {**self.env, "TMPDIR": str(folder / "tmp")}
        if path_prefix:
            env["PATH"] = path_prefix
        handle = log.open("wb")
        command = [str(self.ray_bin), "start", "--block", f"--node-ip-address={ip}"]
        command += [f"--temp-dir={folder / 'r'}", "--disable-usage-stats", *args]
        proc = subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        handle.close()
        node = Node(name, ip, proc, log)
        self.nodes.append(node)
        deadline = time.monotonic() + START_TIMEOUT
        while b"block forever" not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"ray node {name} did not start:\n{text}")
            time.sleep(0.2)
        return node

    def start_head(self, cpus: int) -> None:
        self.port = free_port(HEAD_IP)
        self._start(
            "h",
            HEAD_IP,
            ["--head", f"--port={self.port}", f"--num-cpus={cpus}", "--include-dashboard=false"],
        )

    def add_worker(self, cpus: int, *, path: str = "") -> Node:
        ip = f"127.0.0.{len(self.nodes) + 2}"
        return self._start(
            f"w{len(self.nodes)}",
            ip,
            [f"--address={self.address}", f"--num-cpus={cpus}"],
            path_prefix=path,
        )

    def stop_node(self, node: Node, grace: float = 3.0) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(node.proc.pid, sig)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + (grace if sig == signal.SIGTERM else 5.0)
            while node.pids() and time.monotonic() < deadline:
                time.sleep(0.2)
            if not node.pids():
                break
        node.proc.wait(timeout=10)

    def strays(self) -> list[int]:
        """Processes still naming this cluster's folder (there should be none)."""
        found = []
        marker = str(self.root).encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if marker in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def stop(self) -> list[int]:
        """Stop every node; returns the processes that had to be killed afterwards."""
        for node in reversed(self.nodes):
            self.stop_node(node)
        left = self.strays()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left


def short_root() -> Path:
    """A folder with a short path: Ray's socket paths inside it must stay under 108 bytes."""
    return Path(tempfile.mkdtemp(prefix="gr-", dir="/tmp"))


def start_cluster(
    root: Path,
    ray_bin: Path,
    *,
    head_cpus: int,
    worker_cpus: int,
    environ: Mapping[str, str] | None = None,
) -> RayCluster:
    """A head with ``head_cpus`` and one worker node with ``worker_cpus`` (0: no worker).

    The nodes get ``environ`` (default: this process's), without git's, gitml's, Ray's
    and pytest's variables, and with ``ray_bin``'s folder first on ``PATH``. Their raylets
    never call the host's disk full: that warning reaches the driver's stderr and is not
    what any test here judges.
    """
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in (os.environ if environ is None else environ).items()
        if not k.startswith(("GIT_", "GITML_", "RAY_", "PYTEST_"))
    }
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": f"{ray_bin.parent}{os.pathsep}{env.get('PATH', '')}",
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_local_fs_capacity_threshold": "1.0",
        }
    )
    cluster = RayCluster(root, ray_bin, env)
    try:
        cluster.start_head(head_cpus)
        if worker_cpus:
            cluster.add_worker(worker_cpus)
    except BaseException:
        cluster.stop()
        raise
    return cluster
