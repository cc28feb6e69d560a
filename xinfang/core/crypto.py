"""Personal data at rest: AES-256-GCM encryption and keyed hashes for look-up (SECURITY.md 5).

The key lives outside the database (``XINFANG_FIELD_KEY``, base64 of 32 bytes, or ``field.key`` in the
data directory). A ciphertext names the key it was made with (``v1:<key id>:<base64>``), so keys can be
rotated: the new key encrypts, old keys listed in ``XINFANG_FIELD_KEYS_OLD`` still decrypt, and
``xinfang rotate-field-key`` re-encrypts every row. The look-up hash uses a key derived from the current
field key, so a rotation also rewrites hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "v1"


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    secret: bytes

    @property
    def hash_key(self) -> bytes:
        # Separate keys for the two jobs: knowing hashes must not help with decryption.
        return hmac.new(self.secret, b"xinfang lookup hash", hashlib.sha256).digest()


def field_key_generate() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _parse_key(text: str) -> FieldKey:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("XINFANG_FIELD_KEY is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("XINFANG_FIELD_KEY must be 32 bytes (base64 of 32 random bytes).")
    return FieldKey(key_id=hashlib.sha256(raw).hexdigest()[:8], secret=raw)


@lru_cache(maxsize=1)
def _keys() -> tuple[FieldKey, dict[str, FieldKey]]:
    if not settings.FIELD_KEY:
        raise ImproperlyConfigured(
            "No field encryption key: set XINFANG_FIELD_KEY or run `xinfang genkeys` to create field.key."
        )
    current = _parse_key(settings.FIELD_KEY)
    by_id = {current.key_id: current}
    for old in settings.FIELD_KEYS_OLD:
        key = _parse_key(old)
        by_id.setdefault(key.key_id, key)
    return current, by_id


def field_keys_reset() -> None:
    """Forget cached keys (after a rotation or a settings override in tests)."""
    _keys.cache_clear()


def current_key_id() -> str:
    return _keys()[0].key_id


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt with the current key. ``context`` (e.g. "petitioner.id_number") is bound as associated
    data, so a ciphertext copied into another column does not decrypt."""
    key, _ = _keys()
    nonce = os.urandom(12)
    sealed = AESGCM(key.secret).encrypt(nonce, plaintext.encode("utf-8"), context.encode("ascii"))
    return f"{_PREFIX}:{key.key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, *, context: str) -> str:
    prefix, key_id, payload = token.split(":", 2)
    if prefix != _PREFIX:
        raise ValueError("unknown ciphertext version")
    _, by_id = _keys()
    key = by_id.get(key_id)
    if key is None:
        raise ImproperlyConfigured(f"Field key {key_id} is not configured (add it to XINFANG_FIELD_KEYS_OLD).")
    raw = base64.b64decode(payload)
    return AESGCM(key.secret).decrypt(raw[:12], raw[12:], context.encode("ascii")).decode("utf-8")


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def lookup_hash(value: str, *, context: str) -> str:
    """Keyed hash (HMAC-SHA256) for equality look-ups without storing the value in clear."""
    key, _ = _keys()
    return hmac.new(key.hash_key, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """Plain SHA-256 for high-entropy random tokens (query codes): they need no key to resist guessing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
