"""How a file is sent for download: its name in a ``Content-Disposition`` that old and new browsers read.

RFC 6266 with RFC 5987 ``filename*``: the UTF-8 name percent-encoded (so 考核评价_2026Q3_zh.xlsx survives),
and a plain ASCII ``filename`` beside it for clients that do not read ``filename*``.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote


def ascii_fallback(name: str) -> str:
    """The name with its non-ASCII letters dropped, quotes and separators made harmless."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r'[\\/"\x00-\x1f\x7f]', "_", text).strip(" _") or "download"
    return text if not text.startswith(".") else "download" + text


def attachment(name: str, fallback: str | None = None) -> str:
    """The ``Content-Disposition`` value of a download named ``name``."""
    plain = ascii_fallback(fallback or name)
    value = f'attachment; filename="{plain}"'
    if plain != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def export_name(stem: dict[str, str], parts: list[str], lang: str, extension: str) -> tuple[str, str]:
    """An export's name and its ASCII fallback: ``stem_part_part_lang.ext`` with the stem in ``lang``
    (火炬统计_2025_B1_zh.xlsx) and in English for the fallback (torch-statistics_2025_B1_zh.xlsx)."""
    tail = "_".join([*[str(part) for part in parts if part], lang]) + "." + extension
    return f"{stem[lang]}_{tail}", f"{stem['en']}_{tail}"
