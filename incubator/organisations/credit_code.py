"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters with a check character."""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
VALUES = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> tuple[str, dict] | None:
    """What is wrong with ``code`` (already normalised), as (message id, parameters), or None.

    Positions count from 1, as people read them.
    """
    from flask_babel import lazy_gettext as _l

    if len(code) != 18:
        return _l("A credit code has 18 characters; this one has %(n)d.", n=len(code)), {"n": len(code)}
    for position, char in enumerate(code, start=1):
        if char not in VALUES:
            return (_l("Character %(position)d (%(char)s) may not appear in a credit code.",
                       position=position, char=char), {"position": position})
    expected = check_character(code[:17])
    if code[17] != expected:
        return (_l("Character 18 (%(char)s) is not the check character of this credit code (expected %(expected)s).",
                   char=code[17], expected=expected), {"position": 18})
    return None


def is_valid(code: str | None) -> bool:
    value = normalise(code)
    return len(value) == 18 and all(c in VALUES for c in value) and value[17] == check_character(value[:17])


def make(first17: str) -> str:
    """Complete 17 characters with their check character (demo data, tests)."""
    return first17 + check_character(first17)
