"""Follow-up questions resolved against the earlier turns of a conversation, by rules and without a language model.

People ask "and in Shenyang?", "what about the fines?", "那沈阳呢？", "第二条呢？", "how much is it?" or
"does that apply to us?" after a question, and expect the conversation's topic and documents to carry over.
Each such question is rewritten into one that stands alone, and that text is what is searched (the chat shows it
under the answer as "Searched as: …"). A question that stands on its own starts afresh.

What counts as a follow-up is decided from the shape of the question only — a conversational opener ("and",
"what about", "那", a closing "呢"), a pronoun that points back ("it", "that", "这"), a reference to a clause
with no document, or a question too short to be searched alone — never from lists of words tuned to the
indexed texts. Documents are recognised by ``DocumentNames`` (the words only a document's ID or short title
has, and the aliases in its metadata), so this works for any corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.references import DocumentNames, resolve
from common.analysis import has_cjk, tokenize

# Conversational openers that tie a question to the previous one (English and Chinese function words).
_EN_OPENER = re.compile(r"^\s*(?:(?:and|but|also|so|then|ok(?:ay)?|well)\b[\s,]*)*"
                        r"(?:(?:what|how)\s+about|what\s+of|same\s+(?:for|in|with)|as\s+for|and\s+for|and\s+in|"
                        r"and\s+(?:the|for|in|at|with)|and|but|also)\b[\s,]*", re.IGNORECASE)
_ZH_OPENER = re.compile(r"^\s*(?:那么|那|还有|另外|再问一下|再问|而|至于|关于)[，,\s]*")
_ZH_TAIL = re.compile(r"(?:呢|怎么样|如何|又如何|又怎样|怎样)?\s*[？?。.!！]*\s*$")
# Pronouns and demonstratives that point back to something said before.
_EN_POINTER = re.compile(r"\b(?:it|its|this|that|these|those|they|them|their|theirs|such|same|there|one|ones)\b",
                         re.IGNORECASE)
_ZH_POINTER = re.compile(r"[它其]|这[个些项条种]?|那[个些项条种]|该|此|上述|前述")
# Question words and the like, left out when a question's own words are counted.
_QUESTION_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how|much|many|is|are|was|were|do|does|"
                            r"did|can|could|will|would|should|shall|may|might|must|apply|applies|say|says|said|"
                            r"mean|means|us|we|our|i|me|my)\b", re.IGNORECASE)
_ZH_QUESTION_WORD = re.compile(r"什么|怎么|怎样|如何|多少|哪些|哪个|哪里|哪|是否|是不是|吗|呢|有没有|能不能|可以|可不可以|"
                               r"多久|几|谁|为什么|是|有|的|了|吧|我们|我|你|适用|规定|说")
_MIN_OWN_WORDS = 2  # a question with fewer words of its own than this cannot be searched alone


@dataclass(frozen=True)
class Turn:
    """One earlier turn as the resolver needs it: the question as searched, and the documents it was about."""

    question: str
    searched_as: str = ""
    doc_ids: tuple[str, ...] = ()  # documents the answer cited first, when known

    @property
    def text(self) -> str:
        return self.searched_as or self.question


@dataclass(frozen=True)
class Resolution:
    """What to search for a question asked after ``history``; ``rewritten`` is False for a fresh question."""

    question: str
    searched_as: str
    rewritten: bool = False
    doc_ids: tuple[str, ...] = field(default_factory=tuple)  # documents carried over from earlier turns
    reason: str = ""  # why it was (or was not) read as a follow-up, for logs and tests


def turns_of(history: Sequence[Any] | None) -> list[Turn]:
    """Accept earlier questions as strings, as ``Turn``s or as dicts (``question``, optional ``searched_as`` and
    ``citations``/``doc_ids``), as the API and the chat pass them; anything else is ignored."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, str) and item.strip():
            turns.append(Turn(" ".join(item.split())))
        elif isinstance(item, dict) and str(item.get("question") or "").strip():
            cited = item.get("doc_ids") or [c.get("doc_id", "") for c in (item.get("citations") or [])[:1]
                                            if isinstance(c, dict)]
            turns.append(Turn(" ".join(str(item["question"]).split()), str(item.get("searched_as") or ""),
                              tuple(d for d in cited if isinstance(d, str) and d)))
    return turns


class ConversationResolver:
    """Rewrites follow-up questions into self-contained ones using the earlier turns."""

    def __init__(self, names: DocumentNames, docs: dict[str, dict[str, Any]]) -> None:
        self.names = names
        self.docs = docs

    def resolve(self, question: str, history: Sequence[Any] | None) -> Resolution:
        """The text to search for ``question`` given the earlier turns (oldest first)."""
        turns = turns_of(history)
        if not turns:
            return Resolution(question, question, reason="first question")
        context = self._context(turns)
        return self._resolve_one(question, context)

    # -- the chain of earlier turns ------------------------------------------------------------------
    def _context(self, turns: list[Turn]) -> Turn:
        """The last turn as it was searched, resolving each earlier turn against the one before it when the
        caller did not record what was searched."""
        current: Turn | None = None
        for turn in turns:
            if turn.searched_as or current is None:
                current = turn
            else:
                resolved = self._resolve_one(turn.question, current)
                current = Turn(turn.question, resolved.searched_as, turn.doc_ids or resolved.doc_ids)
        assert current is not None
        return current

    def _resolve_one(self, question: str, previous: Turn) -> Resolution:
        text = " ".join(question.split())
        zh = has_cjk(text)
        opener = _ZH_OPENER.match(text) if zh else _EN_OPENER.match(text)
        has_opener = bool(opener and opener.group(0).strip()) or (zh and bool(re.search(r"呢\s*[？?]?\s*$", text)))
        pointer = bool(_ZH_POINTER.search(text) if zh else _EN_POINTER.search(_strip_there_is(text)))
        own = self._own_words(text)
        named = self.names.mentioned(text)
        reference = resolve(text, self.names, named)
        bare_reference = reference is not None and not reference.doc_ids and not reference.clause_id
        previous_docs = self._docs_of(previous)

        follow_up = (has_opener and len(own) <= 4) or (pointer and len(own) <= 3) or len(own) < _MIN_OWN_WORDS \
            or (bare_reference and bool(previous_docs) and len(own) <= 3)
        if not follow_up:
            return Resolution(question, question, reason="stands alone")

        focus = self._focus(text, opener.group(0) if opener else "", zh)
        # A new document or place in place of the previous one: the same question about it.
        if named and previous_docs and not set(named) & set(previous_docs):
            swapped = self._swap_documents(previous.text, previous_docs, text, named)
            extra = self._own_words(focus) - self._name_words(text, named)
            if swapped and not extra:
                return Resolution(question, swapped, True, tuple(named), "another document")
            if swapped:
                return Resolution(question, _join(focus, swapped, zh), True, tuple(named), "another document, new detail")
        # A clause of the document already under discussion ("第二条呢？", "and clause 14?").
        if bare_reference and previous_docs:
            name = self._name_for(previous_docs[0], zh)
            searched = f"{name}{focus}" if zh else f"{focus} of {name}"
            return Resolution(question, _finish(searched, zh), True, previous_docs[:1], "clause of the same document")
        # Anything else: the new words, with the topic (and so the documents) of the previous turn.
        carried = named and tuple(named) or previous_docs
        return Resolution(question, _join(focus, previous.text, zh), True, tuple(carried), "same topic")

    # -- pieces ---------------------------------------------------------------------------------------
    def own_words(self, text: str) -> set[str]:
        """The words a question brings itself (stems, Chinese bigrams): what a model's rewrite must keep."""
        return self._own_words(text)

    def _own_words(self, text: str) -> set[str]:
        """The words a question brings itself: no question words, pronouns or function words."""
        stripped = _QUESTION_WORD.sub(" ", _EN_POINTER.sub(" ", text))
        stripped = _ZH_QUESTION_WORD.sub(" ", _ZH_POINTER.sub(" ", stripped))
        return set(tokenize(stripped))

    def _name_words(self, text: str, doc_ids: list[str]) -> set[str]:
        """The question's words that only name documents (their distinctive words and aliases)."""
        words: set[str] = set()
        for doc_id in doc_ids:
            words |= self.names.stems.get(doc_id, set())
            for alias in self.names.aliases.get(doc_id, ()):
                if alias in text.casefold():
                    words |= set(tokenize(alias))
        return words

    def _docs_of(self, turn: Turn) -> tuple[str, ...]:
        named = self.names.mentioned(turn.text)
        return tuple(dict.fromkeys([*named, *turn.doc_ids])) if named else turn.doc_ids

    def _focus(self, text: str, opener: str, zh: bool) -> str:
        """The question without its conversational opener (and, in Chinese, without a closing 呢)."""
        body = text[len(opener):] if opener and text.startswith(opener) else text
        body = _ZH_TAIL.sub("", body) if zh else body.rstrip(" ?？.!")
        body = body.strip(" ,，")
        if body and not zh and re.search(r"\b(?:what|how)\s+about\b", opener, re.IGNORECASE) \
                and not _QUESTION_WORD.match(body):
            body = f"What about {body}"  # "what about the fines" keeps its question form
        return body or text

    def _swap_documents(self, previous: str, old: Sequence[str], question: str, new: Sequence[str]) -> str:
        """``previous`` with the words that named the old documents replaced by the name the question uses."""
        typed = self._typed_name(question, new[0])
        if not typed:
            return ""
        spans = sorted({span for doc_id in old for span in self._name_spans(previous, doc_id)})
        if not spans:
            return ""
        out, pos = [], 0
        for start, end in spans:
            if start < pos:
                continue
            out.append(previous[pos:start])
            out.append(typed)
            pos = end
        out.append(previous[pos:])
        return "".join(out)

    def _name_spans(self, text: str, doc_id: str) -> list[tuple[int, int]]:
        """Where ``text`` names ``doc_id``: its aliases as typed, or a word whose stem is one of its distinctive ones."""
        folded = text.casefold()
        spans = []
        for alias in self.names.aliases.get(doc_id, ()):
            if len(alias) >= 2:
                pattern = re.escape(alias) if has_cjk(alias) else rf"(?<!\w){re.escape(alias)}(?!\w)"
                spans += [m.span() for m in re.finditer(pattern, folded)]
        stems = self.names.stems.get(doc_id, set())
        for match in re.finditer(r"[A-Za-z][A-Za-z'-]*", text):
            if set(tokenize(match.group(0))) & stems:
                spans.append(match.span())
        return spans

    def _typed_name(self, question: str, doc_id: str) -> str:
        """The name of ``doc_id`` as the question writes it (e.g. "Shenyang", "沈阳")."""
        spans = self._name_spans(question, doc_id)
        if not spans:
            return ""
        start, end = min(spans)
        return question[start:end]

    def _name_for(self, doc_id: str, zh: bool) -> str:
        """How to name a document in a rewritten question: a Chinese alias for a Chinese question, else its short
        title."""
        meta = self.docs.get(doc_id, {}).get("meta", {})
        if zh:
            chinese = [a for a in self.names.aliases.get(doc_id, ()) if has_cjk(a)]
            if chinese:
                return max(chinese, key=len)
        return str(meta.get("short_title") or meta.get("title") or doc_id)


def _strip_there_is(text: str) -> str:
    """"Is there …" / "are there …" ask whether something exists; that "there" points back to nothing."""
    return re.sub(r"\b(?:is|are|was|were)\s+there\b|\bthere\s+(?:is|are|was|were)\b", " ", text, flags=re.IGNORECASE)


def _finish(text: str, zh: bool) -> str:
    text = text.strip()
    if zh:
        return text if text.endswith(("？", "?")) else text + "？"
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith(("?", ".", "!")) else text + "?"


def _join(focus: str, previous: str, zh: bool) -> str:
    """The new words first, then the earlier question they follow: "How much is it? (… earlier question …)"."""
    focus = _finish(focus, zh)
    previous = previous.strip()
    return f"{focus}（{previous}）" if zh else f"{focus} ({previous})"
