"""The running app's view of the index: the live generation, picked up without a restart.

``policy-assistant ingest`` (in another process, or on another machine in server mode) writes a new generation
and moves the pointer. Before each request the app reads the pointer's generation number — one small read — and,
when it moved, opens the new generation and swaps it in. Each request takes one snapshot at its start and uses it
to the end, so a request that was running during the swap finishes on the generation it started with (ingest keeps
the previous generation until the next one for exactly this).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ingest.store import IndexUnavailable, storage_errors

log = logging.getLogger(__name__)


class LiveAssistant:
    """Hands out the ``Assistant`` of the live index generation, reopening it when the pointer moves."""

    def __init__(self, assistant: Any, reopen: Callable[[], Any] | None = None) -> None:
        self._current = assistant
        self._reopen = reopen or (lambda: type(assistant).open(settings=assistant.settings))
        self._swap_lock = threading.Lock()

    @property
    def current(self) -> Any:
        """The snapshot in use now, without checking the pointer."""
        return self._current

    def get(self) -> Any:
        """The snapshot for one request: the live generation's, reopened first if the pointer moved.

        A pointer that cannot be read keeps the current snapshot (the request then reports the storage error
        itself); a new generation that cannot be opened is logged and retried on the next request."""
        current = self._current
        try:
            with storage_errors("read", current.store.location):
                live = current.store.live_generation()
        except IndexUnavailable as exc:
            log.warning("cannot check for a new index generation: %s", exc)
            return current
        if live is None or live == current.state.generation:
            return current
        with self._swap_lock:  # one reopen at a time; the others keep answering on the snapshot they have
            if self._current is not current:
                return self._current
            try:
                fresh = self._reopen()
            except Exception as exc:  # keep answering from the old generation rather than failing every request
                log.warning("index generation %s is live but could not be opened (%s); still answering from %s",
                            live, exc, current.state.generation)
                return current
            log.info("switched from index generation %s to %s", current.state.generation, fresh.state.generation)
            self._current = fresh
            return fresh
