"""The feedback log: one JSON line per thumbs up/down on an answer, appended safely.

Each entry records when (UTC), the question, the answer text, the clause IDs the answer
cited, the rating ("up" or "down") and an optional comment. Appends from many threads
(a threading lock) and from several processes (``O_APPEND`` with one ``write`` per line,
plus an advisory ``flock``) never interleave. ``read`` skips lines that are not valid
JSON objects, so a half-written or hand-edited line cannot break ``policy-assistant feedback``.

A rating carries the ID of the answer it is about (``answer_id``; the chat gives each answer one). Rating the same
answer again replaces the earlier rating: ``read`` returns only the latest entry per answer, so a reader never sees
"helpful" and "not helpful" for one answer. The file itself stays append-only, which keeps concurrent writers and a
crash mid-write safe; the replaced line remains there as history.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

try:  # POSIX only; elsewhere the in-process lock and O_APPEND are what we have
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    """One lock per file, shared by every FeedbackLog of this process that writes it."""
    key = str(path.resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


class FeedbackLog:
    """Append-only JSON-lines log of ratings on answers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    def append(self, question: str, answer_text: str, citation_ids: Iterable[str], rating: str,
               comment: str = "", answer_id: str = "") -> dict[str, Any]:
        """Write one entry and return it; ``rating`` must be "up" or "down". An entry with the ``answer_id`` of an
        earlier one replaces it (see ``read``)."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}, got {rating!r}")
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "rating": rating,
            "question": str(question),
            "answer": str(answer_text),
            "citations": [str(c) for c in citation_ids],
            "comment": str(comment or "").strip()[:MAX_COMMENT_CHARS],
        }
        if answer_id:
            entry["answer_id"] = str(answer_id)
        data = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _lock_for(self.path):
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                view = memoryview(data)
                while view:  # one write for any line a regular file accepts at once
                    written = os.write(fd, view)
                    view = view[written:]
            finally:
                os.close(fd)  # also releases the flock
        return entry

    def read(self) -> list[dict[str, Any]]:
        """Every well-formed entry, oldest first, the latest rating of each answer only (an entry with the same
        ``answer_id`` as a later one was replaced by it); a missing file is an empty log."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        entries = []
        for line in raw.decode("utf-8", errors="replace").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
        latest = {e["answer_id"]: i for i, e in enumerate(entries) if isinstance(e.get("answer_id"), str)}
        return [e for i, e in enumerate(entries)
                if not isinstance(e.get("answer_id"), str) or latest[e["answer_id"]] == i]
