"""Subprocess helpers shared by the tests that start real servers on loopback.

* ``ChromaServer``: ``chroma run`` on a fixed folder and port, which can be stopped (or
  killed) and started again on the same folder and port;
* ``start_app``: ``policy-assistant serve`` on a free port, returned once its page answers;
* ``stop_process``, ``free_port``, ``clean_env``, ``responds``, ``tail``.

Every wait here is bounded; callers stop what they started in a ``finally`` or a fixture
teardown. Only 127.0.0.1 is ever used.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
CLI = BIN / "policy-assistant"
CHROMA = BIN / "chroma"
APP_STARTUP_SECONDS = 180  # a loaded 2-core machine imports gradio, chromadb and llama-index slowly
CHROMA_STARTUP_SECONDS = 60
STOP_SECONDS = 15


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without inherited POLICY_ASSISTANT_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_")}
    env.update(extra)
    return env


def responds(url: str, timeout: float = 3) -> bool:
    """True when ``url`` answers 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def stop_process(process: subprocess.Popen, first: signal.Signals = signal.SIGINT) -> None:
    """Send ``first`` (SIGINT lets gradio close its server cleanly), then kill after a bounded wait."""
    if process.poll() is None:
        process.send_signal(first)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)


# -- Chroma ------------------------------------------------------------------------------
class ChromaServer:
    """``chroma run --path DIR --port PORT`` on 127.0.0.1; ``start`` again after ``stop``/``kill`` reuses both."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        if not CHROMA.exists():
            pytest.skip(f"{CHROMA} is not installed")
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "server.log"
        self.process: subprocess.Popen | None = None

    def heartbeat(self) -> bool:
        return responds(f"{self.url}/api/v2/heartbeat", timeout=2)

    def start(self) -> str:
        """Start the server and return its URL once the heartbeat answers (bounded wait)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.folder / "data"), "--port", str(self.port),
                 "--host", "127.0.0.1"], stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.monotonic() + CHROMA_STARTUP_SECONDS
        while not self.heartbeat():
            if self.process.poll() is not None or time.monotonic() > deadline:
                status = self.process.poll()
                self.stop()
                pytest.fail(f"chroma run did not answer {self.url}/api/v2/heartbeat within "
                            f"{CHROMA_STARTUP_SECONDS} s (exit status {status}):\n{tail(self.log_path, 2000)}")
            time.sleep(0.3)
        return self.url

    def kill(self) -> None:
        """Take the server away abruptly (SIGKILL), as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        """Terminate, then kill after a bounded wait; safe to call twice."""
        if self.process is not None:
            stop_process(self.process, signal.SIGTERM)


# -- the app -----------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    index_dir: Path
    corpus_dir: Path
    feedback_path: Path
    log_path: Path
    pid: int


def start_app(started: list[subprocess.Popen], workdir: Path, index_dir: Path, corpus_dir: Path,
              **env: str) -> Server:
    """``policy-assistant serve`` on a free port; returns once the page answers (bounded wait).

    The process is appended to ``started`` before the wait, so the caller's teardown stops it
    (``stop_process``) even when startup fails. ``env`` adds POLICY_ASSISTANT_* variables to a
    clean environment.
    """
    port = free_port()
    feedback_path = workdir / "feedback" / "feedback.jsonl"
    log_path = workdir / "server.log"
    full_env = clean_env(POLICY_ASSISTANT_FEEDBACK_PATH=str(feedback_path),
                         POLICY_ASSISTANT_CORPUS_DIR=str(corpus_dir), **env)
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(CLI), "serve", "--index-dir", str(index_dir), "--port", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=workdir)
    started.append(process)
    server = Server(f"http://127.0.0.1:{port}/", index_dir, corpus_dir, feedback_path, log_path, process.pid)
    deadline = time.monotonic() + APP_STARTUP_SECONDS
    while not responds(server.url):
        if process.poll() is not None:
            pytest.fail(f"policy-assistant serve exited with {process.returncode}:\n{tail(log_path)}")
        if time.monotonic() > deadline:
            stop_process(process)
            pytest.fail(f"policy-assistant serve did not answer within {APP_STARTUP_SECONDS}s:\n{tail(log_path)}")
        time.sleep(0.5)
    return server


def copy_index_to_server(index_dir: Path, url: str, prefix: str = "policy") -> None:
    """Put a local index (e.g. a copy of the seed index) onto a Chroma server as is — the state pointer and the live
    generation's collections with their stored vectors — so a test about serving from a server does not spend
    minutes re-embedding a corpus whose ingest it does not test."""
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma = ChromaSettings(anonymized_telemetry=False)
    local = chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma)
    address = urlparse(url)
    remote = chromadb.HttpClient(host=address.hostname, port=address.port, settings=chroma)
    for name in [c if isinstance(c, str) else c.name for c in local.list_collections()]:
        if not name.startswith(prefix + "_"):
            continue
        source = local.get_collection(name, embedding_function=None)
        target = remote.get_or_create_collection(name, embedding_function=None, metadata=source.metadata)
        offset = 0
        while True:
            got = source.get(include=["embeddings", "documents", "metadatas"], limit=500, offset=offset)
            if not got["ids"]:
                break
            target.add(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                       metadatas=got["metadatas"])
            offset += len(got["ids"])
