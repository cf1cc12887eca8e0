"""policy-assistant: answers about HR policy texts that cite the exact clause they rely on.

``from assistant import Assistant`` is the public API; heavy modules load on first use
so that ``policy-assistant --help`` stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from common import offline  # noqa: F401  (must run before chromadb, tiktoken or gradio load)

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.types import Answer, Citation, QuestionError

__all__ = ["Assistant", "Answer", "Citation", "QuestionError"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from assistant.core import Assistant

        return Assistant
    if name in {"Answer", "Citation", "QuestionError"}:
        from assistant import types

        return getattr(types, name)
    raise AttributeError(name)
