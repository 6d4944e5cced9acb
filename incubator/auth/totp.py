"""Time-based one-time passwords and the sealing of their shared secrets at rest, both done by maintained
libraries: ``pyotp`` computes the codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and
``cryptography``'s Fernet (AES-128-CBC with HMAC-SHA256, authenticated) seals the secrets.

The sealing keys are the setting ``MFA_ENCRYPTION_KEYS``, a list of Fernet keys kept apart from
``SECRET_KEY``: the first seals, every one of them unseals (``MultiFernet``). To rotate, put a new key
first, then re-seal (``flask mfa reseal``, or each secret at its next use) and drop the old key.

A secret sealed before this module used Fernet (``v1$...``: a key stream and tag derived from
``SECRET_KEY``) is still read, only so that it can be re-sealed; nothing new is sealed that way.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from markupsafe import Markup

STEP_SECONDS = 30
DIGITS = 6
SECRET_LENGTH = 32  # base32 characters: 160 bits, as RFC 4226 recommends
LEGACY_PREFIX = "v1$"


def new_secret() -> str:
    """A random base32 secret (no padding), as authenticator apps expect."""
    return pyotp.random_base32(SECRET_LENGTH)


def grouped(secret: str, size: int = 4) -> str:
    """The secret in groups of four characters, easier to type."""
    return " ".join(secret[i:i + size] for i in range(0, len(secret), size))


def _utc(moment: datetime) -> datetime:
    # pyotp reads a naive time as local time; ours are UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _generator(secret: str, digits: int = DIGITS) -> pyotp.TOTP:
    return pyotp.TOTP("".join(secret.split()).upper(), digits=digits, interval=STEP_SECONDS)


def time_step(moment: datetime) -> int:
    """The number of whole 30-second steps since the Unix epoch (a naive time is UTC)."""
    return int(_utc(moment).timestamp()) // STEP_SECONDS


def code_at(secret: str, moment: datetime, digits: int = DIGITS) -> str:
    """The code an authenticator shows at ``moment`` for a base32 ``secret``."""
    return _generator(secret, digits).at(_utc(moment))


def code_of_step(secret: str, step: int) -> str:
    """The code of time step ``step``."""
    return _generator(secret).generate_otp(step)


def matching_step(secret: str, code: str, moment: datetime, window: int = 1) -> int | None:
    """The time step (within ±``window`` steps of ``moment``) whose code is ``code``, or None.

    The step, not a yes or no (``pyotp.TOTP.verify``), so that the caller can refuse a step already used.
    """
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    generator = _generator(secret)
    now = generator.timecode(_utc(moment))
    for step in range(now - window, now + window + 1):
        if pyotp.utils.strings_equal(generator.generate_otp(step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return _generator(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG markup, drawn here (nothing is fetched); the markup is made
    by segno from the code's modules only, so no text of ``uri`` appears in it."""
    import segno

    return Markup(segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff"))


# --- sealing secrets at rest ----------------------------------------------------------------------

class SealError(ValueError):
    """A sealed value was altered, or sealed under a key that is no longer in ``MFA_ENCRYPTION_KEYS``."""


def parse_keys(value) -> list[str]:
    """The keys of the setting ``MFA_ENCRYPTION_KEYS``: a list, or one text of keys separated by commas or
    spaces (an environment variable). Raises ``ValueError`` naming the first key that is not a Fernet key."""
    keys = value.replace(",", " ").split() if isinstance(value, str) else [str(key).strip() for key in value or ()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError as error:
            raise ValueError(f"MFA_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe "
                             "base64-encoded bytes, as Fernet.generate_key() or `flask mfa new-key` make)") from error
    return keys


def new_key() -> str:
    """A fresh random key for ``MFA_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode("ascii")


def _fernets() -> list[Fernet]:
    keys = parse_keys(current_app.config.get("MFA_ENCRYPTION_KEYS"))
    if not keys:
        raise SealError("MFA_ENCRYPTION_KEYS is empty")
    return [Fernet(key) for key in keys]


def seal(plain: str) -> str:
    """``plain`` encrypted and authenticated under the first key of ``MFA_ENCRYPTION_KEYS``."""
    return _fernets()[0].encrypt(plain.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The plain text of a sealed value, under any key of ``MFA_ENCRYPTION_KEYS`` (or, for a value sealed
    before Fernet was used, ``SECRET_KEY``); raises ``SealError`` when it does not verify."""
    if (sealed or "").startswith(LEGACY_PREFIX):
        return _legacy_unseal(sealed)
    try:
        return MultiFernet(_fernets()).decrypt((sealed or "").encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise SealError("the sealed value does not verify (altered, or its key was removed)") from error


def needs_resealing(sealed: str) -> bool:
    """True when ``sealed`` is not sealed under the first (current) key: a legacy value or an older key."""
    if (sealed or "").startswith(LEGACY_PREFIX):
        return True
    try:
        _fernets()[0].decrypt((sealed or "").encode("ascii"))
    except (InvalidToken, UnicodeError):
        return True
    return False


def reseal(sealed: str) -> str:
    """The same plain text sealed under the current key (``MultiFernet.rotate`` for a Fernet value)."""
    if (sealed or "").startswith(LEGACY_PREFIX):
        return seal(_legacy_unseal(sealed))
    try:
        return MultiFernet(_fernets()).rotate((sealed or "").encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as error:
        raise SealError("the sealed value does not verify (altered, or its key was removed)") from error


def _derived(label: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"incubator.auth.mfa:" + label, hashlib.sha256).digest()


def _legacy_unseal(sealed: str) -> str:
    """Read a value of the former sealing (``v1$``: nonce, HMAC-SHA256 counter-mode key stream, then an
    HMAC-SHA256 tag, keys derived from ``SECRET_KEY``). Kept only to re-seal what was stored with it."""
    _version, _, body = sealed.partition("$")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise SealError("not a sealed value") from error
    if len(raw) < 16 + 32:
        raise SealError("not a sealed value")
    nonce, cipher, tag = raw[:16], raw[16:-32], raw[-32:]
    expected = hmac.new(_derived(b"authenticate"), LEGACY_PREFIX[:-1].encode() + nonce + cipher,
                        hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SealError("the sealed value does not verify (altered, or another SECRET_KEY)")
    encrypt_key = _derived(b"encrypt")
    stream = b"".join(hmac.new(encrypt_key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
                      for counter in range((len(cipher) + 31) // 32))
    return bytes(a ^ b for a, b in zip(cipher, stream)).decode()


def keyed_hash(value: str) -> str:
    """An HMAC-SHA256 of ``value`` under a key derived from ``SECRET_KEY`` (recovery codes)."""
    return hmac.new(_derived(b"recovery-code"), value.encode(), hashlib.sha256).hexdigest()
