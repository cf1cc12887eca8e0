"""Text analysis shared by BM25 and sentence scoring: words, stems, stopwords, CJK bigrams."""

from __future__ import annotations

import functools
import logging
import re

from bm25s.stopwords import STOPWORDS_EN

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[\u3400-\u9fff]+", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
STOPWORDS = frozenset(STOPWORDS_EN) | {
    "also", "would", "could", "may", "which", "what", "who", "whom", "how", "does", "do", "did", "can",
    "shall", "should", "must", "any", "there", "their", "its", "it's", "about", "from", "into", "under",
    "per", "much", "many", "more", "most", "other", "such", "than", "s",
    # pronouns, auxiliaries and question words: questions are full of them ("can I get my …") and texts are not,
    # so as rare words they would outweigh what a question is about
    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours", "he", "him", "his", "she", "her",
    "hers", "them", "theirs", "itself", "when", "where", "why", "whose", "has", "have", "had", "having", "were",
    "been", "being", "am", "get", "gets", "got", "getting",
}


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=1)
def quiet_jieba():
    """jieba with its part-of-speech tagger imported and its start-up chatter turned down (the dictionary itself
    loads on the first cut, in about a second)."""
    import jieba
    import jieba.posseg  # noqa: F401  (jieba.posseg is used through the returned module)

    jieba.setLogLevel(logging.WARNING)
    return jieba


@functools.lru_cache(maxsize=1)
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Chinese in simplified characters (試用期 → 试用期), so a question typed in traditional characters finds
    the same articles as its simplified form; text without Chinese is returned unchanged."""
    return _to_simplified().convert(text) if has_cjk(text) else text


def mostly_chinese(text: str) -> bool:
    """Whether a document is written in Chinese: over 30% of the first 5,000 non-space characters are Chinese (an
    English text quoting 北京 is not; a Chinese law citing "GB/T 33527" is)."""
    sample = text[:5000]
    return len(_CJK.findall(sample)) > 0.3 * max(1, sum(1 for ch in sample if not ch.isspace()))


def has_cjk(text: str) -> bool:
    """Whether the text contains Chinese characters."""
    return bool(_CJK.search(text))


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed English words; Chinese runs as character bigrams."""
    words: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if _CJK.match(token):
            words.extend(token[i:i + 2] for i in range(max(len(token) - 1, 1)))
        elif token not in STOPWORDS and len(token) > 1 or token.isdigit():
            words.append(token.replace("’", "'"))
    stems = _stemmer().stemWords([w for w in words if not _CJK.match(w)])
    out, it = [], iter(stems)
    for w in words:
        out.append(w if _CJK.match(w) else next(it))
    return out
