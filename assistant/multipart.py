"""Questions that ask two things at once, answered part by part.

"What does the ministry require, and does Beijing's plan say anything about it?" has two asks; searched as one,
the nearest clause answers one of them and the other is silently dropped. Each ask is searched on its own (with
the sentences that set the scene, which belong to every part), and the answer cites every part. When the documents
do not answer one of the parts, the question is judged whole, as if it had one ask: an unanswered part is most often
the near miss or the false premise that leaves the whole question unanswered (measured on the development sets).
Answered whole, the answer still adds the parts that are answered, and says which part is not.

The answer to the whole question, searched as one, leads: the clause that best answers the question as asked is
cited first more often than the first part's clause (right clause first 0.68 -> 0.70 on the English development sets,
0.65 -> 0.70 on the Chinese ones), and the parts add what it leaves out. A question declined whole is not answered
by its parts (correct declines +3 and +2 on those sets, one answer lost on each).

The scene can pull every part to the clause the whole answer already cites ("We're a headhunting firm …" pulls
"which platform should firms join?" to the headhunting clause). A part that finds only that clause is searched
again on its own (answerable passing 0.679 -> 0.685 on the seed texts, 0.678 -> 0.689 on the Chinese laws; right
clause first unchanged, since the whole answer leads). Searching every part without the scene lost English answers.
A part quotes up to ``Settings.part_answer_sentences`` sentences, reaching further down its ranking than a question on
its own does (``ExtractiveAnswerer._choose``): what the part asks is often in its second or third clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.messages import language_of, say
from assistant.types import Answer
from ingest.sentences import split_sentences

# An interrogative sentence: a question mark, or an opening question word.
_ASKS = re.compile(r"[?？]\s*$|^(what|which|who|how|when|where|why|can|could|does|do|did|is|are|will|would|should|may|"
                   r"must|has|have)\b", re.IGNORECASE)
# Inside one sentence, a second ask joined by "and" / "; " / "，还有": "…, and does the plan say …"
_JOINED = re.compile(r"(?:,|;)\s*(?:and|or|also|plus)?\s*(?=(?:what|which|who|how|when|where|why|can|could|does|do|did|"
                     r"is|are|will|would|should|may|must|has|have)\b)|;\s+|(?<=[吗呢么])[，,]\s*|[，,；;]\s*(?=(?:还有|另外|以及|同时|那么|并且)"
                     r"[^，,。？?]{2,})", re.IGNORECASE)
_MIN_CHARS = 12


def split_parts(question: str) -> tuple[str, list[str]]:
    """(the scene-setting context, the asks). One ask (or none recognised) means the question stands whole."""
    sentences = split_sentences(question)
    asks = [s for s in sentences if _ASKS.search(s.strip())]
    context = " ".join(s for s in sentences if s not in asks)
    pieces = [p.strip(" ,;，；") for ask in asks for p in _JOINED.split(ask)]
    pieces = [p for p in pieces if len(p) >= _MIN_CHARS or re.search(r"[\u4e00-\u9fff]{4,}", p)]
    return context, pieces if len(pieces) >= 2 else []


def answer_in_parts(question: str, ask: Callable[[str], Answer], whole: Answer | None = None,
                    split: tuple[str, list[str]] | None = None) -> Answer | None:
    """One answer composed from the answers to each part, led by ``whole`` (the question searched as one); None when
    the question has a single ask, or the documents do not answer it whole or one of its parts. ``split``: the
    question's ``split_parts``, when the caller has it already."""
    context, parts = split or split_parts(question)
    if not parts or whole is not None and not whole.answered:  # declined whole (a false premise, a near miss)
        return None
    part_answers = [_part_answer(ask, context, part, whole) for part in parts]
    answers = [a for a in part_answers if a.answered]
    if not answers or whole is None and len(answers) < len(parts):
        # a part the documents do not answer: the whole question is judged as one (an unanswered part is often
        # the near miss or false premise that makes the whole question unanswerable)
        return None
    if whole is not None:
        answers = [whole, *answers]
    texts, citations, seen = [], [], {}
    quoted: set[str] = set()  # a sentence two asks both found is quoted once
    for answer in answers:
        renumber = {}
        for n, c in enumerate(answer.citations, start=1):
            if c.clause_id not in seen:
                seen[c.clause_id] = len(citations) + 1
                citations.append(c)
            renumber[str(n)] = str(seen[c.clause_id])
        for c in citations:
            c.n = seen[c.clause_id]
        quotes = _QUOTED.findall(_renumbered(_quotes_only(answer), renumber))
        if not texts:  # one lead and preface, for the first answer
            texts.append(_renumbered(answer.answer, renumber))
        elif fresh := [q for q in quotes if q.strip() not in quoted]:
            texts.append("".join(fresh).strip())
        quoted |= {q.strip() for q in quotes}
    related = [c for a in answers for c in a.related if c.clause_id not in seen]
    related = list({c.clause_id: c for c in related}.values())[:3]
    for n, c in enumerate(related, start=1):
        c.n = n
    first = answers[0]
    # the whole question was answered, one of its parts was not: the answer says which (its quotes do not answer it)
    unanswered = [say("part unanswered", language_of(question), part=part.strip(" ?？"))
                  for part, a in zip(parts, part_answers) if not a.answered]
    return Answer(question, " ".join(texts), True, citations, related, support=min(a.support for a in answers),
                  lead=first.lead, preface=first.preface, notice=" ".join(unanswered),
                  parts=[{"question": part, "answered": a.answered, "citations": [c.clause_id for c in a.citations]}
                         for part, a in zip(parts, part_answers)])


def _part_answer(ask: Callable[[str], Answer], context: str, part: str, whole: Answer | None) -> Answer:
    """One part answered with the scene the question sets; when that finds only what the whole answer already
    cites, the scene has pulled the part to the same clause, and the part is searched on its own."""
    answer = ask(f"{context} {part}".strip())
    if not context or whole is None or not answer.citations:
        return answer
    if answer.citations[0].clause_id not in {c.clause_id for c in whole.citations}:
        return answer
    alone = ask(part)
    return alone if alone.answered else answer


# one quoted sentence and its citation marker, "… [2]" ("[2022] No. 83" is quoted text, not a marker)
_QUOTED = re.compile(r".*?\[\d{1,2}\]", re.DOTALL)


def _renumbered(text: str, renumber: dict[str, str]) -> str:
    """A part's text with its citation markers renumbered to the composed answer's citations."""
    return re.sub(r"\[(\d{1,2})\]", lambda m: f"[{renumber.get(m.group(1), m.group(1))}]", text)


def _quotes_only(answer: Answer) -> str:
    """A part's answer without its lead and preface: the quotes and their markers."""
    text = answer.answer.removeprefix(f"{answer.lead} — " if answer.lead else "")
    return text.removeprefix(f"{answer.preface} " if answer.preface else "")
