"""Joining a Ray cluster and checking, before anything is written, that its nodes can work.

``--on ray`` joins the cluster this machine belongs to (``RAY_ADDRESS``, else the one
``ray start`` began here); ``--on ray://HOST:PORT`` joins the cluster whose head's GCS
listens there (the address ``ray start --head`` prints). The driver joins as a Ray driver
(keeping its own SIGINT, SIGTERM and SIGHUP handlers, which stop and record the members),
so it runs on a node of the cluster or a machine every node can reach (``ray job submit
-- git ml run --on ray ...`` runs it on the head). The head is probed with a plain TCP
connection first, so a wrong address is one line within seconds, not Ray's long retries.
Then every node with CPUs runs a probe task: it must import this gitml version and find
``git``, or the run stops with one line naming the node and the fix.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from gitml._version import __version__
from gitml.errors import GitmlError, UsageError

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

SCHEME = "ray"
CONNECT_TIMEOUT = 5.0
PROBE_TIMEOUT = 120.0


class ClusterError(GitmlError):
    """The cluster cannot be reached or cannot run members."""


@dataclass(frozen=True)
class ClusterTarget:
    """Where ``--on`` points: ``address`` None means this machine's cluster."""

    text: str
    address: str | None


def parse_target(text: str) -> ClusterTarget:
    """``ray`` or ``ray://HOST:PORT``; anything else is a usage error (exit 2)."""
    if text == SCHEME:
        return ClusterTarget(text, os.environ.get("RAY_ADDRESS") or None)
    prefix = f"{SCHEME}://"
    if text.startswith(prefix):
        address = text[len(prefix) :].rstrip("/")
        host, _, port = address.rpartition(":")
        if host and port.isdigit():
            return ClusterTarget(text, address)
    raise UsageError(
        f"--on {text}: expected ray or ray://HOST:PORT (the address `ray start --head` prints)"
    )


def import_ray() -> ModuleType:
    """The ray module, or a one-line fix when the extra is not installed."""
    try:
        import ray
    except ImportError:
        raise ClusterError(
            "--on ray needs Ray: pip install 'gitml[ray]' (the same on every node)"
        ) from None
    return ray


def check_reachable(target: ClusterTarget) -> None:
    """A TCP connection to the head's address, so a wrong one fails fast."""
    if target.address is None or target.address == "auto":
        return
    host, _, port = target.address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__.lower()
        raise ClusterError(
            f"--on {target.text}: cannot reach the Ray head at {target.address} ({reason}); "
            "check the address `ray start --head` printed and that it is running"
        ) from None


def _signal_handlers() -> dict[int, Any]:
    """This process's Python handlers of the signals that stop a run (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}


def _restore(handlers: dict[int, Any]) -> None:
    """Put ``handlers`` back: Ray's crash reporter takes SIGTERM over in ``ray.init`` and
    ends the process on it, so a scheduler's SIGTERM would lose every running member."""
    for sig, handler in handlers.items():
        if handler is not None:
            signal.signal(sig, handler)


def join(target: ClusterTarget) -> ModuleType:
    """``ray.init`` for ``target`` (once per process); the ray module."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    check_reachable(target)
    handlers = _signal_handlers()
    try:
        ray.init(
            address=target.address or "auto",
            namespace="gitml",
            logging_level=logging.ERROR,
            log_to_driver=True,
        )
    except ConnectionError as exc:
        if target.address is None:
            raise ClusterError(
                "--on ray: no Ray cluster runs on this machine; start one (`ray start --head`), "
                "name one (--on ray://HOST:PORT) or set RAY_ADDRESS"
            ) from None
        raise ClusterError(f"--on {target.text}: cannot join the cluster: {exc}") from None
    finally:
        _restore(handlers)
    return ray


def probe() -> JsonObject:
    """What a node reports about itself (runs on the node)."""
    import platform
    import shutil

    return {"gitml": __version__, "git": shutil.which("git"), "host": platform.node()}


def check_nodes(ray: ModuleType) -> list[JsonObject]:
    """Run ``probe`` on every node with CPUs; one line for the first node that cannot work."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU")]
    if not nodes:
        raise ClusterError("the Ray cluster has no node with CPUs to run members on")
    task = ray.remote(probe)
    refs = {
        n["NodeManagerAddress"]: task.options(
            num_cpus=0,
            max_retries=0,
            scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False),
        ).remote()
        for n in nodes
    }
    found = []
    for where, ref in refs.items():
        try:
            report = ray.get(ref, timeout=PROBE_TIMEOUT)
        except ray.exceptions.GetTimeoutError:
            raise ClusterError(
                f"Ray node {where} did not answer within {PROBE_TIMEOUT:.0f} s"
            ) from None
        except ray.exceptions.RayError as exc:
            raise ClusterError(
                f"Ray node {where} cannot run gitml ({_last_line(exc)}); install "
                f"gitml[ray] {__version__} in the Python the cluster runs"
            ) from None
        if report["gitml"] != __version__:
            raise ClusterError(
                f"Ray node {where} has gitml {report['gitml']}, this driver {__version__}; "
                "install the same version on every node"
            )
        if not report["git"]:
            raise ClusterError(
                f"Ray node {where} has no git on its PATH (members run in git worktrees); "
                "install git on every node"
            )
        found.append(report)
    return found


def _last_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def connect(text: str) -> ModuleType:
    """Join the cluster ``--on`` names and check its nodes; the ray module."""
    ray = join(parse_target(text))
    check_nodes(ray)
    return ray
