"""Field-key rotation end to end: after `xinfang rotate-field-key` every row is on the new key, the
look-up hashes match the new key (a returning petitioner is recognised) and the command is idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import VALID_ID
from xinfang.cases.models import Petitioner
from xinfang.cases.services.registration import petitioners_by_id_hash
from xinfang.core.crypto import (
    current_key_id,
    decrypt,
    field_key_generate,
    field_keys_reset,
    key_id_of,
    lookup_hash,
)
from xinfang.core.models import AuditEntry


@pytest.fixture
def rotated(settings):
    """Switch to a new current key with the old one kept for decryption; restore afterwards."""
    old = settings.FIELD_KEY

    def rotate() -> str:
        settings.FIELD_KEY = field_key_generate()
        settings.FIELD_KEYS_OLD = [old]
        field_keys_reset()
        return current_key_id()

    yield rotate
    field_keys_reset()


def test_rotation_rekeys_rows_and_hashes(register, rotated):
    register(id_number=VALID_ID, phone="13812345678")
    person = Petitioner.objects.get()
    old_key = key_id_of(person.id_number_encrypted)
    new_key = rotated()
    assert new_key != old_key
    # Before the re-key the old hash no longer matches what a look-up computes now.
    assert not petitioners_by_id_hash([lookup_hash(VALID_ID, context="id")])
    out = io.StringIO()
    call_command("rotate_field_key", stdout=out)
    person.refresh_from_db()
    assert key_id_of(person.id_number_encrypted) == key_id_of(person.phone_encrypted) == new_key
    assert decrypt(person.id_number_encrypted, context="petitioner.id_number") == VALID_ID
    assert decrypt(person.phone_encrypted, context="petitioner.phone") == "13812345678"
    assert person.id_hash == lookup_hash(VALID_ID, context="id")
    assert person.phone_hash == lookup_hash("13812345678", context="phone")
    assert petitioners_by_id_hash([lookup_hash(VALID_ID, context="id")])
    assert AuditEntry.objects.filter(action="field_key.rotate").exists()
    # Idempotent: a second run changes nothing.
    before = (person.id_number_encrypted, person.phone_encrypted)
    out = io.StringIO()
    call_command("rotate_field_key", stdout=out)
    person.refresh_from_db()
    assert (person.id_number_encrypted, person.phone_encrypted) == before
    assert "0" in out.getvalue()


def test_rotation_without_the_old_key_fails_and_changes_nothing(register, settings):
    register(id_number=VALID_ID, phone="13812345678")
    before = Petitioner.objects.values_list("id_number_encrypted", "id_hash").get()
    settings.FIELD_KEY = field_key_generate()
    settings.FIELD_KEYS_OLD = []
    field_keys_reset()
    try:
        with pytest.raises(CommandError):
            call_command("rotate_field_key", stdout=io.StringIO())
    finally:
        field_keys_reset()
    assert Petitioner.objects.values_list("id_number_encrypted", "id_hash").get() == before
