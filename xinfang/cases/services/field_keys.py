"""Re-encryption of personal data after a field-key rotation (SECURITY.md 5: the key is rotatable).

A rotation puts the new key in ``XINFANG_FIELD_KEY`` and the old one in ``XINFANG_FIELD_KEYS_OLD``. From
then on new rows use the new key and old ciphertexts still decrypt — but the keyed look-up hashes
(``id_hash``, ``phone_hash``) are derived from the current key, so until every row is re-keyed a returning
petitioner would not be recognised (repeat detection, 信访工作条例 Art. 19 ¶3, would silently stop). This
service re-encrypts and re-hashes every petitioner still on an old key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

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


def _needs_rekey(petitioner: Petitioner, current: str) -> bool:
    return any(getattr(petitioner, field) and key_id_of(getattr(petitioner, field)) != current
               for field, _h, _c, _hc in _FIELDS)


def petitioners_rekey(*, batch_size: int = 500, actor: object = None) -> RekeyResult:
    """Re-encrypt every petitioner's ID and phone with the current key and rewrite their look-up hashes.

    Idempotent and restartable: a row is rewritten (ciphertexts and hashes together, in one UPDATE)
    only while one of its ciphertexts names another key, and each batch commits on its own, so an
    interrupted run is simply started again."""
    current = current_key_id()
    result = RekeyResult()
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(Petitioner.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch_size])
            if not batch:
                break
            last_pk = batch[-1].pk
            for petitioner in batch:
                if not _needs_rekey(petitioner, current):
                    result.already_current += 1
                    continue
                updates: dict[str, str] = {}
                for field, hash_field, context, hash_context in _FIELDS:
                    token = getattr(petitioner, field)
                    if not token:
                        continue
                    clear = decrypt(token, context=context)
                    updates[field] = encrypt(clear, context=context)
                    updates[hash_field] = lookup_hash(clear, context=hash_context)
                Petitioner.objects.filter(pk=petitioner.pk).update(**updates)
                result.rekeyed += 1
    audit_record(actor=actor, action="field_key.rotate", detail={"key": current, "rekeyed": result.rekeyed})
    return result
