"""Field encryption (AES-256-GCM), key rotation and keyed look-up hashes (SECURITY.md 5)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured

from xinfang.core import crypto
from xinfang.core.crypto import (
    current_key_id,
    decrypt,
    encrypt,
    field_key_generate,
    field_keys_reset,
    key_id_of,
    lookup_hash,
    token_hash,
)

ID = "110101199003074514"
KEY_A = base64.b64encode(bytes(range(32))).decode("ascii")
KEY_B = base64.b64encode(bytes(range(100, 132))).decode("ascii")


def use_keys(settings, current: str, old: list[str] | None = None) -> None:
    settings.FIELD_KEY = current
    settings.FIELD_KEYS_OLD = old or []
    field_keys_reset()


def _payload(token: str) -> bytes:
    return base64.b64decode(token.split(":", 2)[2])


def test_round_trip_with_unicode():
    for text in [ID, "13812345678", "上海市闵行区江川路 1 号", ""]:
        token = encrypt(text, context="petitioner.id_number")
        assert decrypt(token, context="petitioner.id_number") == text


def test_ciphertext_is_versioned_names_its_key_and_hides_the_value():
    token = encrypt(ID, context="petitioner.id_number")
    prefix, key_id, payload = token.split(":", 2)
    assert prefix == "v1"
    assert key_id == current_key_id() == key_id_of(token)
    assert ID not in token
    raw = base64.b64decode(payload)
    assert len(raw) == 12 + len(ID) + 16  # nonce + ciphertext + GCM tag
    assert ID.encode() not in raw


def test_each_encryption_uses_a_fresh_nonce():
    tokens = {encrypt(ID, context="petitioner.id_number") for _ in range(20)}
    assert len(tokens) == 20
    assert len({_payload(t)[:12] for t in tokens}) == 20


def test_wrong_context_does_not_decrypt():
    token = encrypt(ID, context="petitioner.id_number")
    with pytest.raises(InvalidTag):
        decrypt(token, context="petitioner.phone")


@pytest.mark.parametrize("index", [0, 11, 12, 20, -1])  # nonce, first/middle ciphertext byte, tag
def test_tampered_ciphertext_does_not_decrypt(index):
    token = encrypt(ID, context="petitioner.id_number")
    prefix, key_id, _ = token.split(":", 2)
    raw = bytearray(_payload(token))
    raw[index] ^= 0x01
    tampered = f"{prefix}:{key_id}:{base64.b64encode(bytes(raw)).decode('ascii')}"
    with pytest.raises(InvalidTag):
        decrypt(tampered, context="petitioner.id_number")


def test_truncated_ciphertext_does_not_decrypt():
    token = encrypt(ID, context="petitioner.id_number")
    prefix, key_id, _ = token.split(":", 2)
    short = f"{prefix}:{key_id}:{base64.b64encode(_payload(token)[:-1]).decode('ascii')}"
    with pytest.raises(InvalidTag):
        decrypt(short, context="petitioner.id_number")


def test_unknown_version_is_refused():
    token = encrypt(ID, context="petitioner.id_number")
    with pytest.raises(ValueError, match="version"):
        decrypt("v9" + token[2:], context="petitioner.id_number")


def test_rotation_old_tokens_still_decrypt_new_tokens_use_the_new_key(settings):
    use_keys(settings, KEY_A)
    key_a = current_key_id()
    old_token = encrypt(ID, context="petitioner.id_number")
    assert key_id_of(old_token) == key_a

    # Rotation (docs/security.md): the new key becomes current, the old one is listed as old.
    use_keys(settings, KEY_B, [KEY_A])
    key_b = current_key_id()
    assert key_b != key_a
    assert decrypt(old_token, context="petitioner.id_number") == ID
    new_token = encrypt(ID, context="petitioner.id_number")
    assert key_id_of(new_token) == key_b
    assert decrypt(new_token, context="petitioner.id_number") == ID

    # Without the old key, old tokens fail loudly, naming the missing key; new ones still decrypt.
    use_keys(settings, KEY_B)
    with pytest.raises(ImproperlyConfigured, match=key_a):
        decrypt(old_token, context="petitioner.id_number")
    assert decrypt(new_token, context="petitioner.id_number") == ID


def test_the_key_cache_needs_a_reset_to_see_new_settings(settings):
    use_keys(settings, KEY_A)
    key_a = current_key_id()
    settings.FIELD_KEY = KEY_B  # no field_keys_reset(): the cached key stays current
    assert current_key_id() == key_a
    field_keys_reset()
    assert current_key_id() != key_a


def test_a_token_under_another_key_id_does_not_decrypt(settings):
    use_keys(settings, KEY_B, [KEY_A])
    key_b = current_key_id()
    use_keys(settings, KEY_A)
    key_a = current_key_id()
    token = encrypt(ID, context="petitioner.id_number")
    use_keys(settings, KEY_B, [KEY_A])
    relabelled = token.replace(f":{key_a}:", f":{key_b}:", 1)
    with pytest.raises(InvalidTag):
        decrypt(relabelled, context="petitioner.id_number")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "No field encryption key"),
        (None, "No field encryption key"),
        ("not base64 !!", "not valid base64"),
        (base64.b64encode(b"\x00" * 16).decode("ascii"), "32 bytes"),
        (base64.b64encode(b"\x00" * 33).decode("ascii"), "32 bytes"),
    ],
)
def test_a_missing_or_bad_key_fails_loudly(settings, value, message):
    use_keys(settings, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        encrypt(ID, context="petitioner.id_number")


def test_a_bad_old_key_fails_loudly(settings):
    use_keys(settings, KEY_A, ["short"])
    with pytest.raises(ImproperlyConfigured):
        encrypt(ID, context="petitioner.id_number")


def test_generated_keys_are_32_random_bytes(settings):
    one, two = field_key_generate(), field_key_generate()
    assert one != two
    assert len(base64.b64decode(one, validate=True)) == 32
    use_keys(settings, one)
    assert decrypt(encrypt(ID, context="x"), context="x") == ID


def test_lookup_hash_is_deterministic_keyed_and_separated_by_context(settings):
    use_keys(settings, KEY_A)
    first = lookup_hash(ID, context="id")
    assert first == lookup_hash(ID, context="id")
    assert len(first) == 64 and int(first, 16) >= 0
    assert ID not in first
    assert first != hashlib.sha256(ID.encode()).hexdigest()  # not a plain, guessable hash
    assert first != lookup_hash("110101199003074522", context="id")
    assert first != lookup_hash(ID, context="phone")

    use_keys(settings, KEY_B, [KEY_A])
    assert lookup_hash(ID, context="id") != first  # keyed: another key, another hash
    use_keys(settings, KEY_A)
    assert lookup_hash(ID, context="id") == first


def test_lookup_hash_key_is_not_the_encryption_key(settings):
    use_keys(settings, KEY_A)
    key = crypto._keys()[0]
    assert key.hash_key != key.secret
    assert len(key.hash_key) == 32


def test_token_hash_is_plain_sha256():
    code = "0123456789ABCDEF"
    assert token_hash(code) == hashlib.sha256(code.encode()).hexdigest()
    assert token_hash(code) != token_hash(code.lower())
    assert len(token_hash("")) == 64
