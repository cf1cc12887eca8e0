"""Loading corpus files into SourceDocuments, with one clear reason for every file that cannot be read."""

from __future__ import annotations

import fnmatch
import logging
import re
import tomllib
from dataclasses import fields
from pathlib import Path

from ingest.pdf import PdfError, read_pdf
from ingest.records import DocumentMeta, SourceDocument

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf")
META_SUFFIX = ".meta.toml"
_META_FIELDS = {f.name for f in fields(DocumentMeta)}


class LoadError(ValueError):
    """A corpus file that is skipped, with the reason a user can act on."""


def discover(paths: list[Path], exclude: str = "") -> list[Path]:
    """The supported files under ``paths`` (files or folders), sorted, metadata sidecars excluded, and files whose
    names match a pattern of ``exclude`` (comma-separated, e.g. "README*": a folder's own notes) left out of
    folders (a file named explicitly is always taken)."""
    found: list[Path] = []
    patterns = [p.strip() for p in exclude.split(",") if p.strip()]
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if (p.is_file() or p.is_symlink())
                         and not any(fnmatch.fnmatch(p.name, pattern) for pattern in patterns))
        else:
            found.append(path)
    return [p for p in found if p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.endswith(META_SUFFIX)
            and not p.name.startswith(".")]


def slugify(text: str) -> str:
    """A readable, URL-safe doc_id from a file name (non-ASCII letters kept)."""
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-_")
    return slug or "document"


def load_document(path: Path, corpus_root: Path | None, max_bytes: int) -> SourceDocument:
    """Read one file; raise LoadError naming the reason when it cannot be used."""
    _check_location(path, corpus_root)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror})") from exc
    if size == 0:
        raise LoadError("the file is empty")
    if size > max_bytes:
        raise LoadError(f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    pages: tuple = ()
    if path.suffix.lower() == ".pdf":
        try:
            text, pages = read_pdf(path)
        except PdfError as exc:
            raise LoadError(str(exc)) from exc
    else:
        text = decode_text(path.read_bytes())
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        raise LoadError("the file has no text")
    meta = load_meta(path, text)
    name = str(path.relative_to(corpus_root)) if corpus_root and _inside(path, corpus_root) else path.name
    return SourceDocument(meta=meta, text=text, path=name, pages=pages)


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; Latin-1 only when it reads as text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError("the file claims UTF-16 but does not decode") from exc
    if b"\x00" in data[:4096]:
        raise LoadError("the file is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")  # Windows files: curly quotes and € in 0x80–0x9f
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in text) / max(len(text), 1)
    if printable < 0.95:
        raise LoadError("the file is not valid UTF-8 or Latin-1 text")
    return text


def load_meta(path: Path, text: str) -> DocumentMeta:
    """Metadata from the ``.meta.toml`` beside the file, with defaults taken from the file itself."""
    sidecar = path.with_name(path.stem + META_SUFFIX)
    values: dict[str, str] = {}
    if sidecar.is_file():
        try:
            values = {k: ", ".join(map(str, v)) if isinstance(v, list) else str(v)
                      for k, v in tomllib.loads(sidecar.read_text(encoding="utf-8")).items()}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LoadError(f"its metadata file {sidecar.name} is not valid TOML ({exc})") from exc
        unknown = set(values) - _META_FIELDS
        if unknown:
            raise LoadError(f"its metadata file {sidecar.name} has unknown fields: {', '.join(sorted(unknown))}")
    first_line = next((l.strip().lstrip("#").strip() for l in text.splitlines() if l.strip()), path.stem)
    title = values.get("title") or (first_line[:120] if len(first_line) <= 120 else path.stem)
    values.setdefault("doc_id", slugify(path.stem))
    values["title"] = title
    values.setdefault("short_title", title if len(title) <= 60 else title[:57].rsplit(" ", 1)[0] + "…")
    values.setdefault("source", path.name)
    return DocumentMeta(**values)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _check_location(path: Path, corpus_root: Path | None) -> None:
    """Refuse a symlink that leads out of the corpus folder: it would index files the user did not put there."""
    if corpus_root is not None and path.is_symlink():
        if not _inside(path.resolve(), corpus_root.resolve()):
            raise LoadError("it is a link to a file outside the corpus folder")
    if not path.exists():
        raise LoadError("the file does not exist (a broken link?)")
