"""Where the app may send a browser next: only a path of this site, judged as the browser will read it."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for

# The WHATWG URL parser, which every browser follows, deletes tabs and line breaks anywhere in a URL
# and trims C0 controls and spaces at both ends, so "/\t/evil.example" is "//evil.example" to it.
_REMOVED_ANYWHERE = str.maketrans("", "", "\t\n\r")
_TRIMMED = "".join(chr(code) for code in range(0x21))
MAX_TARGET_LENGTH = 2000


def local_path(target: str | None) -> str | None:
    """``target`` as a same-site path once the browser's normalisation is applied, else None.

    Refused: anything not starting with one ``/`` (a scheme, ``//host``, ``/\\host``), any backslash
    (browsers read it as ``/``), a remaining control character, and over-long targets.
    """
    if not isinstance(target, str) or len(target) > MAX_TARGET_LENGTH:
        return None
    path = target.translate(_REMOVED_ANYWHERE).strip(_TRIMMED)
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return None
    try:
        parts = urlsplit(path)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return path


def safe_next(target: str | None, default_endpoint: str = "main.home") -> str:
    """The path to redirect to: ``target`` when it is a same-site path, else ``default_endpoint``."""
    return local_path(target) or url_for(default_endpoint)
