"""Real storage servers on loopback for the data-remote tests and benchmarks.

Each starts a real server on 127.0.0.1 and a free port, waits until it answers, and stops
it afterwards: OpenSSH's sshd with its own host key and configuration, Azurite (Azure
Blob Storage's emulator, from npm), gcp-storage-emulator (a Google Cloud Storage JSON-API
server, from PyPI), moto's S3 server and Python's http.server. A server that is not installed
raises ``Unavailable`` with the reason, for the caller to skip on; one that is installed but
does not start raises ``ServerFailed``, which fails the test (.ci/run installs every server).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.core import free_port

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".ci" / "tools" / "node_modules" / ".bin"
# Azurite's well-known development account (published in Azure's documentation).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


class Unavailable(Exception):
    """The server is not installed on this machine (the message says why)."""


class ServerFailed(RuntimeError):
    """The server is installed but did not start (the message holds the end of its log)."""


def _wait_for_port(
    port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(
                f"exited with {proc.returncode}: {log.read_text(errors='replace')[-500:]}"
            )
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise ServerFailed(
        f"not listening after {timeout:.0f} s: {log.read_text(errors='replace')[-500:]}"
    )


@contextmanager
def _running(argv: list[str], port: int, workdir: Path) -> Iterator[None]:
    log = workdir / "server.log"
    with log.open("wb") as out:
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
        except OSError as exc:
            raise ServerFailed(f"{argv[0]}: {exc}") from None
    try:
        _wait_for_port(port, proc, log)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tool(name: str) -> str:
    found = shutil.which(name) or (str(TOOLS / name) if (TOOLS / name).exists() else None)
    if found is None:
        raise Unavailable(f"{name} is not installed (.ci/run installs it with npm into .ci/tools)")
    return found


@dataclass(frozen=True)
class Ssh:
    """An sshd on loopback that lets ``user`` in with ``key`` (known as ``host_key_line``)."""

    port: int
    user: str
    key: Path
    known_hosts_line: str

    def url(self, path: Path) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"

    def install_client(self, home: Path) -> None:
        """The key and the server's host key in ``home/.ssh``, where ssh clients look."""
        ssh = home / ".ssh"
        ssh.mkdir(mode=0o700, exist_ok=True)
        shutil.copy(self.key, ssh / "id_ed25519")
        (ssh / "id_ed25519").chmod(0o600)
        (ssh / "known_hosts").write_text(self.known_hosts_line)


@contextmanager
def sshd() -> Iterator[Ssh]:
    daemon = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(daemon).exists() or shutil.which("ssh-keygen") is None:
        raise Unavailable(
            "OpenSSH's server is not installed (.ci/run: apt-get install openssh-server)"
        )
    with tempfile.TemporaryDirectory(prefix="gitml-sshd-") as tmp:
        work = Path(tmp)
        for name in ("host", "user"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / name)], check=True
            )
        (work / "authorized_keys").write_text((work / "user.pub").read_text())
        port = free_port()
        (work / "sshd_config").write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {work / 'host'}\n"
            f"PidFile {work / 'sshd.pid'}\nAuthorizedKeysFile {work / 'authorized_keys'}\n"
            "StrictModes no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nMaxSessions 64\nMaxStartups 64\n"
            "Subsystem sftp internal-sftp\n"
        )
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege separation dir
        kind, key, _ = (work / "host.pub").read_text().split(" ", 2)
        with _running([daemon, "-D", "-e", "-f", str(work / "sshd_config")], port, work):
            yield Ssh(port, getpass.getuser(), work / "user", f"[127.0.0.1]:{port} {kind} {key}\n")


@dataclass(frozen=True)
class Azurite:
    port: int

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:{self.port}/{AZURITE_ACCOUNT};"
        )


@contextmanager
def azurite() -> Iterator[Azurite]:
    program = _tool("azurite-blob")
    if shutil.which("node") is None:
        raise Unavailable("node is not installed")
    with tempfile.TemporaryDirectory(prefix="gitml-azurite-") as tmp:
        port = free_port()
        argv = [program, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", tmp]
        with _running([*argv, "--silent", "--skipApiVersionCheck", "--loose"], port, Path(tmp)):
            yield Azurite(port)


@dataclass(frozen=True)
class GcsEmulator:
    endpoint: str
    bucket: str


def random_bytes(size: int) -> bytes:
    """``size`` random bytes, the last of which is not CR, for data that goes through the
    GCS emulator.

    gcp-storage-emulator keeps an upload whose content ends with CR one byte short: gcsfs
    uploads a small object as one ``multipart/related`` body with bare-LF line breaks, and the
    emulator's MIME parser (Python's ``email``) takes that CR with the LF before the closing
    boundary as one line break (with CRLF line breaks, or in a resumable upload, the CR is
    kept). gitml refuses the short copy (``tests/objects/remotes/test_fsspec.py``); random data meant to
    round-trip through the emulator avoids a final CR.
    """
    data = os.urandom(size)
    while data.endswith(b"\r"):
        data = data[:-1] + os.urandom(1)
    return data


@contextmanager
def gcs_emulator() -> Iterator[GcsEmulator]:
    program = Path(sys.executable).parent / "gcp-storage-emulator"
    if not program.exists():
        raise Unavailable("gcp-storage-emulator is not installed (it is in the test extra)")
    with tempfile.TemporaryDirectory(prefix="gitml-gcs-") as tmp:
        port = free_port()
        argv = [str(program), "start", "--host=127.0.0.1", f"--port={port}", "--in-memory"]
        with _running([*argv, "--default-bucket=gitml-test"], port, Path(tmp)):
            yield GcsEmulator(f"http://127.0.0.1:{port}", "gitml-test")


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's S3 server (``ThreadedMotoServer``, in this process); yields its endpoint."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def http_server(directory: Path) -> Iterator[str]:
    """``python -m http.server`` serving ``directory``; yields its base URL."""
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with (
        tempfile.TemporaryDirectory(prefix="gitml-http-") as tmp,
        _running([*argv, "--directory", str(directory)], port, Path(tmp)),
    ):
        yield f"http://127.0.0.1:{port}"
