"""The one sort key for names as Chinese readers order them: imported, typed and seeded names sort alike.

A leaf module (it imports no area), so models, services and import kinds can all use it without a cycle."""
from __future__ import annotations


def pinyin_sort_key(name: str | None, length: int = 400) -> str:
    """The sort key of a Chinese (or mixed) name: its pinyin without tones, lower case, at most ``length``
    characters (the width of the column that holds it)."""
    from pypinyin import Style, lazy_pinyin

    text = (name or "").strip()
    return " ".join(part.strip().lower() for part in lazy_pinyin(text, style=Style.NORMAL, errors="default")
                    if part.strip())[:length]
