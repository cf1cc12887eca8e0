"""A configured language model may rewrite a follow-up question; the rule-based rewrite stays the fallback.

``assistant.conversation`` decides whether a question is a follow-up at all (a model is not asked about a question
that stands alone) and rewrites it by rules. When an LLM backend is configured, the model is asked for a more
natural self-contained question, and its text is used only if it keeps what the rules found: the same language,
every document the rule rewrite names, and the follow-up's own words. Anything else — an error, a timeout, a
rambling or invented reply — keeps the rule rewrite, so a small model cannot make retrieval worse than no model.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from assistant.references import DocumentNames
from common.analysis import has_cjk, tokenize

log = logging.getLogger(__name__)

MAX_REWRITE_CHARS = 300
_PROMPT = ("Rewrite the user's last question so that it can be understood without the conversation before it. "
           "Keep every name, place and number. Use the language of the last question. "
           "Reply with the rewritten question only, on one line.")


def model_rewrite(backend: Callable[[], Any], question: str, earlier: Sequence[str], rule_rewrite: str,
                  names: DocumentNames, own_words: set[str]) -> str:
    """The model's self-contained version of ``question`` if it passes the checks, else ``rule_rewrite``.
    ``backend`` makes the model backend (``GroundedGenerator.backend``; it may fail, e.g. a missing GGUF file);
    ``own_words``: the follow-up's own words (``ConversationResolver.own_words``), which the rewrite must keep."""
    conversation = "\n".join(f"Earlier question: {q}" for q in earlier[-3:])
    messages = [{"role": "system", "content": _PROMPT},
                {"role": "user", "content": f"{conversation}\nLast question: {question}\nRewritten question:"}]
    try:
        reply = "".join(backend().stream(messages))
    except Exception as exc:  # LLMError, timeouts, a dead server: the rules' rewrite is what gets searched
        log.warning("the model could not rewrite a follow-up (%s); using the rule-based rewrite", exc)
        return rule_rewrite
    candidate = _first_line(reply)
    problem = _problem(candidate, question, rule_rewrite, names, own_words)
    if problem:
        log.info("model rewrite %r not used (%s); using %r", candidate, problem, rule_rewrite)
        return rule_rewrite
    return candidate


def _first_line(reply: str) -> str:
    line = next((l.strip() for l in reply.strip().splitlines() if l.strip()), "")
    line = re.sub(r"^(?:rewritten question|question)\s*[:：]\s*", "", line, flags=re.IGNORECASE)
    return line.strip().strip("\"'“”「」").strip()


def _problem(candidate: str, question: str, rule_rewrite: str, names: DocumentNames, own_words: set[str]) -> str:
    """Why the model's text cannot replace the rule rewrite ("" when it can)."""
    if not candidate or len(candidate) > MAX_REWRITE_CHARS:
        return "empty or too long"
    if has_cjk(candidate) != has_cjk(question):
        return "another language"
    missing_docs = set(names.mentioned(rule_rewrite)) - set(names.mentioned(candidate))
    if missing_docs:
        return f"drops the document(s) {', '.join(sorted(missing_docs))}"
    own = own_words - set(tokenize(" ".join(_names_in(question, names))))
    if own - set(tokenize(candidate)):
        return "drops words of the question"
    return ""


def _names_in(text: str, names: DocumentNames) -> list[str]:
    """The aliases a text uses, so a model that writes "Shenyang" for "沈阳" is not faulted for the alias itself."""
    folded = text.casefold()
    return [alias for aliases in names.aliases.values() for alias in aliases if alias in folded]
