"""common.numerals: the same quantity however it is written, and words that are not numbers."""

from __future__ import annotations

import pytest

from common.numerals import find_quantities, has_number, stated_in


def _one(text: str):
    found = find_quantities(text)
    assert len(found) == 1, f"{text!r}: {found}"
    return found[0]


@pytest.mark.parametrize("text, value, unit", [
    ("注册资本不得少于人民币二百万元", 2_000_000, "yuan"),
    ("应当在十五日内", 15, "day"),
    ("不得低于本单位相同岗位最低档工资的百分之八十", 80, "percent"),
    ("试用期不得超过二个月", 2, "month"),
    ("试用期不得超过两个月", 2, "month"),
    ("处1万元以上", 10_000, "yuan"),
    ("a deposit of CNY 500,000", 500_000, "yuan"),
    ("1.5 million yuan", 1_500_000, "yuan"),
    ("within six months", 6, "month"),
    ("30 percent of", 30, "percent"),
    ("每周工作四十四小时", 44, "hour"),
    ("年满十六周岁", 16, "age"),
    ("三十个工作日内", 30, "day"),
    ("转正后工资涨两成", 20, "percent"),  # tenths: 两成 is 20%
    ("比原来少了四成", 40, "percent"),
])
def test_values_and_units(text: str, value: float, unit: str) -> None:
    q = _one(text)
    assert (q.value, q.unit) == (value, unit)


def test_dates_and_years() -> None:
    assert _one("2012年12月28日修正").value == 20121228
    assert _one("二〇一二年十二月二十八日").value == 20121228
    assert _one("每年二月底前报送").kind == "date"
    assert _one("by 2025").kind == "year"
    year, date = _one("in 2012"), _one("2012年12月28日")
    assert year.matches(date) and not _one("in 2013").matches(date)


def test_words_and_article_numbers_are_not_quantities() -> None:
    for text in ("建立统一的人力资源市场", "一律不得", "以完成一定工作任务为期限", "第十九条", "第19条"):
        assert not has_number(text), text


def test_same_quantity_across_scripts() -> None:
    assert stated_in(_one("2,000,000 yuan"), "注册资本不得少于人民币二百万元")
    assert stated_in(_one("15 days"), "应当自用工之日起十五日内")
    assert stated_in(_one("80%"), "百分之八十")
    assert not stated_in(_one("3 months"), "试用期不得超过六个月")
    assert not stated_in(_one("500,000 yuan"), "处五万元以下的罚款")


def test_two_amounts_of_a_range() -> None:
    values = [q.value for q in find_quantities("处五千元以上一万元以下的罚款")]
    assert values == [5_000, 10_000]


@pytest.mark.parametrize("text, value", [
    ("On October 25, the Ministry", 1025), ("28-29 July 2021", 20210728), ("Dec. 11, 2023", 20231211),
    ("on 11 December", 1211), ("in October 2024", 20241000),
])
def test_english_dates_are_dates(text: str, value: int) -> None:
    (date,) = [q for q in find_quantities(text) if q.kind == "date"]
    assert date.value == value


def test_a_month_is_stated_by_a_date_in_that_month_in_either_language() -> None:
    (month,) = find_quantities("人社部10月份那场发布会")
    assert stated_in(month, "On October 25, the Ministry held a press conference")
    assert not stated_in(month, "On November 25, the Ministry held a press conference")
    assert stated_in(find_quantities("December 11")[0], "12月11日")
    assert not find_quantities("You may apply in writing")  # the modal verb, not the month


def test_item_numbers_and_determiners_are_not_quantities() -> None:
    # "（五）" and "一、" number items, and "那一年" is "that year": none states five of anything, or one year
    assert find_quantities("（五）法律、法规规定的其他条件。") == []
    assert find_quantities("一、总则\n1. 注册资本 (3) 项") == []
    assert find_quantities("那一年这些机构帮助了多少人？") == []
    assert [q.text for q in find_quantities("有效期五年，处5万元以下罚款（二）")] == ["五年", "5万元"]
    assert [q.text for q in find_quantities("满一年的，1.5万元")] == ["一年", "1.5万元"]


def test_cheng_of_a_word_is_no_tenth() -> None:
    """成 after a digit is a tenth only when it ends the number: 一成不变 and 三成员 are words."""
    assert find_quantities("规则一成不变") == []
    assert [q.kind for q in find_quantities("七成员单位")] == ["number"]
    assert stated_in(_one("涨两成"), "上涨百分之二十")


def test_the_last_day_of_a_range_of_dates_is_a_date() -> None:
    """"7月28日到29日" and "July 28 to 29" end on the 29th; neither states 29 days."""
    for text, value in (("2021年7月28日到29日", 20210729), ("held from July 28 to 29 in Chongqing", 729)):
        last = find_quantities(text)[-1]
        assert (last.kind, last.value) == ("date", value)
    assert [q.kind for q in find_quantities("自用工之日起三十日内")] == ["duration"]
    assert find_quantities("7月28日到29日")[-1].matches(find_quantities("July 28 to 29")[-1])
