"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and the sealing of
the shared secrets at rest.

Secrets are stored encrypted with a key derived from ``SECRET_KEY`` (HMAC-SHA256 in counter mode as the
key stream, then an HMAC-SHA256 tag over nonce and cipher text: encrypt-then-MAC, standard library only).
Changing ``SECRET_KEY`` therefore makes every enrolled authenticator unreadable: the users concerned
must have their two-step verification reset by an administrator and enrol again.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

from flask import current_app
from markupsafe import Markup

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends; 32 base32 characters
_SEAL_VERSION = "v1"


def new_secret() -> str:
    """A random base32 secret (no padding), as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key_bytes(secret: str) -> bytes:
    cleaned = "".join(secret.split()).upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def grouped(secret: str, size: int = 4) -> str:
    """The secret in groups of four characters, easier to type."""
    return " ".join(secret[i:i + size] for i in range(0, len(secret), size))


def time_step(moment: datetime) -> int:
    """The number of whole 30-second steps since the Unix epoch (a naive time is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp()) // STEP_SECONDS


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226: the HMAC of the counter, dynamically truncated to ``digits`` decimal digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def code_at(secret: str, moment: datetime, digits: int = DIGITS) -> str:
    """The code an authenticator shows at ``moment`` for a base32 ``secret``."""
    return hotp(_key_bytes(secret), time_step(moment), digits)


def matching_step(secret: str, code: str, moment: datetime, window: int = 1) -> int | None:
    """The time step (within ±``window`` steps of ``moment``) whose code is ``code``, or None."""
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = _key_bytes(secret)
    now = time_step(moment)
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_SECONDS}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG markup, drawn here (nothing is fetched); the markup is made
    by segno from the code's modules only, so no text of ``uri`` appears in it."""
    import segno

    return Markup(segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff"))


# --- sealing secrets at rest ----------------------------------------------------------------------

def _derived(label: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"incubator.auth.mfa:" + label, hashlib.sha256).digest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + struct.pack(">Q", counter), hashlib.sha256).digest())
    return b"".join(blocks)[:length]


def seal(plain: str) -> str:
    """``plain`` encrypted and authenticated with keys derived from ``SECRET_KEY``."""
    data = plain.encode()
    nonce = secrets.token_bytes(16)
    cipher = bytes(a ^ b for a, b in zip(data, _keystream(_derived(b"encrypt"), nonce, len(data))))
    tag = hmac.new(_derived(b"authenticate"), _SEAL_VERSION.encode() + nonce + cipher, hashlib.sha256).digest()
    return f"{_SEAL_VERSION}${base64.urlsafe_b64encode(nonce + cipher + tag).decode('ascii')}"


class SealError(ValueError):
    """A sealed value was altered or sealed under another ``SECRET_KEY``."""


def unseal(sealed: str) -> str:
    """The plain text of a value made by ``seal``; raises ``SealError`` when it does not verify."""
    version, _, body = (sealed or "").partition("$")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise SealError("not a sealed value") from error
    if version != _SEAL_VERSION or len(raw) < 16 + 32:
        raise SealError("not a sealed value")
    nonce, cipher, tag = raw[:16], raw[16:-32], raw[-32:]
    expected = hmac.new(_derived(b"authenticate"), version.encode() + nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SealError("the sealed value does not verify (altered, or another SECRET_KEY)")
    return bytes(a ^ b for a, b in zip(cipher, _keystream(_derived(b"encrypt"), nonce, len(cipher)))).decode()


def keyed_hash(value: str) -> str:
    """An HMAC-SHA256 of ``value`` under a key derived from ``SECRET_KEY`` (recovery codes)."""
    return hmac.new(_derived(b"recovery-code"), value.encode(), hashlib.sha256).hexdigest()
