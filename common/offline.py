"""Environment switches that keep the whole stack off the network.

Imported first by every entry point: tiktoken, Chroma, Gradio and the Hugging Face
hub client each try to reach the internet on first use unless told otherwise, and
this product must run on air-gapped machines.
"""

from __future__ import annotations

import os
from pathlib import Path

_OFFLINE_DEFAULTS = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def _tiktoken_cache_dir() -> str | None:
    """The BPE files that llama-index-core ships, so tiktoken never downloads them."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("llama_index.core")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "_static" / "tiktoken_cache"
    return str(path) if path.is_dir() else None


def apply() -> None:
    """Set the offline variables unless the user already chose otherwise."""
    for key, value in _OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        cache = _tiktoken_cache_dir()
        if cache:
            os.environ["TIKTOKEN_CACHE_DIR"] = cache


apply()
