"""The feedback log: one JSON line per rating, safe under concurrent appends, tolerant when read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from assistant.feedback import FeedbackLog

BIN = Path(sys.executable).parent


def test_append_writes_one_json_line_with_utc_time_and_creates_parent_dirs(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "feedback.jsonl"
    log = FeedbackLog(path)
    entry = log.append("Who pays?", "The city pays. [1]", ["beijing-hr-action-plan-2023#III.VII"], "up", "  clear  ")

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    stored = json.loads(lines[0])
    assert stored == entry
    assert stored["question"] == "Who pays?"
    assert stored["answer"] == "The city pays. [1]"
    assert stored["citations"] == ["beijing-hr-action-plan-2023#III.VII"]
    assert stored["rating"] == "up"
    assert stored["comment"] == "clear"
    when = datetime.fromisoformat(stored["time"].replace("Z", "+00:00"))
    assert when.utcoffset() is not None and when.utcoffset().total_seconds() == 0
    assert log.read() == [entry]


def test_unicode_and_newlines_stay_inside_one_line(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "f.jsonl")
    log.append("北京的补贴?\nsecond line", "答案 <b>", [], "down", "line1\nline2")
    assert len((tmp_path / "f.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    [entry] = log.read()
    assert entry["question"] == "北京的补贴?\nsecond line"
    assert entry["comment"] == "line1\nline2"
    assert entry["answer"] == "答案 <b>"


def test_rating_must_be_up_or_down(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "f.jsonl")
    with pytest.raises(ValueError, match="rating"):
        log.append("q", "a", [], "meh")
    assert not (tmp_path / "f.jsonl").exists()


def test_read_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert FeedbackLog(tmp_path / "nope" / "f.jsonl").read() == []


def test_read_skips_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    log = FeedbackLog(path)
    log.append("first", "a", ["x#1"], "up")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("not json\n\n[1, 2]\n\"a string\"\n{\"rating\": \"up\", \"question\": \"half")  # no newline
    with open(path, "ab") as handle:
        handle.write(b"\n\xff\xfe broken bytes\n")
    log.append("last", "b", [], "down")
    assert [e["question"] for e in log.read()] == ["first", "last"]


def test_concurrent_appends_from_threads_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    threads_n, per_thread = 8, 40
    long_answer = "x" * 5000  # bigger than a pipe buffer, so torn writes would show

    def worker(t: int) -> None:
        log = FeedbackLog(path)  # separate instances share the per-file lock
        for i in range(per_thread):
            log.append(f"q{t}-{i}", long_answer, [f"doc#{t}.{i}"], "up" if i % 2 else "down")

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == threads_n * per_thread
    entries = [json.loads(line) for line in lines]  # every line is whole JSON
    assert {e["question"] for e in entries} == {f"q{t}-{i}" for t in range(threads_n) for i in range(per_thread)}
    assert all(e["answer"] == long_answer for e in entries)


def test_concurrent_appends_from_processes_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    script = ("import sys\nfrom assistant.feedback import FeedbackLog\nlog = FeedbackLog(sys.argv[1])\n"
              "for i in range(50):\n    log.append(f'{sys.argv[2]}-{i}', 'y' * 20000, [], 'up')\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"p{n}"]) for n in range(4)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 200
    assert len({e["question"] for e in entries}) == 200


def test_cli_feedback_prints_the_log(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    FeedbackLog(path).append("Which firms get subsidies?", "Some. [1]", ["a#1"], "down", "too vague")
    env = {**os.environ, "POLICY_ASSISTANT_FEEDBACK_PATH": str(path)}
    out = subprocess.run([str(BIN / "policy-assistant"), "feedback", "--json"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    [entry] = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert entry["question"] == "Which firms get subsidies?" and entry["comment"] == "too vague"


def test_a_second_rating_of_the_same_answer_replaces_the_first(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    log.append("Who pays?", "The city pays. [1]", [], "up", answer_id="a1")
    log.append("Who else?", "Firms do. [1]", [], "up", answer_id="a2")
    log.append("Who pays?", "The city pays. [1]", [], "down", "changed my mind", answer_id="a1")
    log.append("Old entry", "No id. [1]", [], "up")  # entries without an answer ID are never merged
    log.append("Old entry", "No id. [1]", [], "down")
    entries = log.read()
    assert [(e["question"], e["rating"]) for e in entries] == [
        ("Who else?", "up"), ("Who pays?", "down"), ("Old entry", "up"), ("Old entry", "down")]
    assert entries[1]["comment"] == "changed my mind" and entries[1]["answer_id"] == "a1"
    assert len((tmp_path / "feedback.jsonl").read_text().splitlines()) == 5  # the file stays append-only
