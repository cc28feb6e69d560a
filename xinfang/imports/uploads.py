"""Uploads kept between preview and confirm (the /imports/ pages and ``/api/v1/imports/``).

The file is stored in a private directory under a generated name (never the uploaded one, never served,
SECURITY.md 14) with its SHA-256, which ``import_run`` checks again before anything is written. Who may
confirm it is the caller's business: the page names the token in the uploader's session, the API in the
cache under the uploader's id. Files previewed but never confirmed are swept after a day.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StoredUpload:
    """An uploaded file as kept: ``token`` names it, ``name`` is the uploaded name (shown only)."""

    token: str
    path: Path
    name: str
    suffix: str
    sha256: str


def upload_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def uploads_sweep(folder: Path) -> None:
    """Uploads previewed but never confirmed are removed after a day."""
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.glob("*"):
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def upload_store(upload: Any) -> StoredUpload:
    """Write ``upload`` (a Django ``UploadedFile``) under a generated name, hashing it on the way."""
    folder = upload_dir()
    uploads_sweep(folder)
    token = secrets.token_hex(16)
    suffix = Path(upload.name).suffix.lower()
    target = folder / f"{token}{suffix}"
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            digest.update(chunk)
            handle.write(chunk)
    target.chmod(0o600)
    return StoredUpload(token=token, path=target, name=Path(upload.name).name[:200], suffix=suffix,
                        sha256=digest.hexdigest())


def upload_path(token: str, suffix: str) -> Path:
    """Where the upload ``token`` is kept (``token`` and ``suffix`` come from the server's own records)."""
    return upload_dir() / f"{token}{suffix}"
