"""Re-encryption of personal data after a field-key rotation (SECURITY.md 5: the key is rotatable).

A rotation puts the new key in ``XINFANG_FIELD_KEY`` and the old one in ``XINFANG_FIELD_KEYS_OLD``. From
then on new rows use the new key and old ciphertexts still decrypt — but the keyed look-up hashes
(``id_hash``, ``phone_hash``) are derived from the current key, so until every row is re-keyed a returning
petitioner would not be recognised (repeat detection, 信访工作条例 Art. 19 ¶3, would silently stop). This
service re-encrypts and re-hashes every petitioner still on an old key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model

from xinfang.cases.models import Petitioner
from xinfang.core.audit import audit_record
from xinfang.core.crypto import current_key_id, decrypt, encrypt, key_id_of, lookup_hash

_FIELDS = (
    # (ciphertext field, hash field, encryption context, hash context)
    ("id_number_encrypted", "id_hash", "petitioner.id_number", "id"),
    ("phone_encrypted", "phone_hash", "petitioner.phone", "phone"),
)


@dataclass
class RekeyResult:
    rekeyed: int = 0
    already_current: int = 0


def rows_rekey(model: type[Model], fields: Sequence[tuple[str, str, str, str]], *, batch_size: int = 500) -> RekeyResult:
    """Re-encrypt the ciphertext ``fields`` of every row of ``model`` still on an old key and rewrite their
    look-up hashes. ``fields`` holds (ciphertext field, hash field, encryption context, hash context).

    Idempotent and restartable: a row is rewritten (ciphertexts and hashes together, in one UPDATE)
    only while one of its ciphertexts names another key, and each batch commits on its own, so an
    interrupted run is simply started again."""
    current = current_key_id()
    result = RekeyResult()
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(model._default_manager.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch_size])
            if not batch:
                break
            last_pk = batch[-1].pk
            for row in batch:
                updates: dict[str, str] = {}
                for field, hash_field, context, hash_context in fields:
                    token = getattr(row, field)
                    if token and key_id_of(token) != current:
                        clear = decrypt(token, context=context)
                        updates[field] = encrypt(clear, context=context)
                        updates[hash_field] = lookup_hash(clear, context=hash_context)
                if not updates:
                    result.already_current += 1
                    continue
                model._default_manager.filter(pk=row.pk).update(**updates)
                result.rekeyed += 1
    return result


def petitioners_rekey(*, batch_size: int = 500, actor: object = None) -> RekeyResult:
    """Re-encrypt every petitioner's ID and phone with the current key and rewrite their look-up hashes
    (``rows_rekey``), then record the rotation in the audit log."""
    result = rows_rekey(Petitioner, _FIELDS, batch_size=batch_size)
    audit_record(actor=actor, action="field_key.rotate", detail={"key": current_key_id(), "rekeyed": result.rekeyed})
    return result
