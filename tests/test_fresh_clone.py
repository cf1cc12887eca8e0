"""A clone without the workspace's shared folder passes its own tests (issue 16, item 14): the tests that need
``../shared`` skip with a one-line reason instead of failing. Checked by running them in a child pytest with the
shared folder pointed at an empty one (``PA_TEST_SHARED_DIR``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

NEEDS_SHARED = ["tests/test_answers.py::test_shared_examples_are_answered_or_declined_as_expected",
                "tests/test_parsing_zh.py", "tests/test_gold_set.py::test_gold_does_not_copy_examples"]


def test_tests_needing_the_shared_folder_skip_with_a_reason_when_it_is_absent(tmp_path: Path) -> None:
    empty = tmp_path / "no-shared"
    empty.mkdir()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *NEEDS_SHARED],
                         capture_output=True, text=True, cwd=ROOT, timeout=900,
                         env={**os.environ, "PA_TEST_SHARED_DIR": str(empty)})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    skipped = [line for line in out.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped and "failed" not in out.stdout.splitlines()[-1], out.stdout[-3000:]
    assert all(f"{empty}" in line and "is not here" in line for line in skipped), skipped
