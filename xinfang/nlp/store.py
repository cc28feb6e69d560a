"""Classifier files under ``DATA_DIR/nlp/``, each checked against the SHA-256 its database row holds.

Two independent guards: a model file is only ever read after its digest matches the one written by
``xinfang nlp train`` into ``ClassifierVersion.sha256`` (a file swapped on disk, truncated or corrupted is
refused), and what is read is plain numpy arrays and JSON (``classifier_loads`` never unpickles). The file
names come from the database and are checked to be bare names: nothing outside the directory is opened.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path

from django.conf import settings

_NAME = re.compile(r"^classifier-v\d+-[0-9a-f]{12}\.npz$")


class ModelIntegrityError(Exception):
    """A model file that is missing, misnamed or not the one recorded (its SHA-256 differs)."""


def model_directory() -> Path:
    return Path(settings.DATA_DIR) / "nlp"


def model_file_write(*, blob: bytes, version: int) -> tuple[str, str]:
    """Write ``blob`` as the file of ``version`` (atomically: a reader never sees half a file, readable by
    the owner only); returns ``(file name, sha256)``."""
    digest = hashlib.sha256(blob).hexdigest()
    name = f"classifier-v{version}-{digest[:12]}.npz"
    directory = model_directory()
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{name}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(blob)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / name)
    return name, digest


def model_file_read(*, name: str, sha256: str) -> bytes:
    """The bytes of model file ``name`` if their SHA-256 is ``sha256``; else ``ModelIntegrityError``."""
    if not _NAME.match(name or ""):
        raise ModelIntegrityError(f"not a model file name: {name!r}")
    try:
        blob = (model_directory() / name).read_bytes()
    except OSError as exc:
        raise ModelIntegrityError(f"cannot read {name}: {exc.strerror or exc}") from None
    if not hmac.compare_digest(hashlib.sha256(blob).hexdigest(), sha256 or ""):
        raise ModelIntegrityError(f"{name}: SHA-256 differs from the one recorded at training")
    return blob


def model_file_remove(name: str) -> None:
    """Remove a model file that was written but never recorded (its training failed)."""
    if _NAME.match(name or ""):
        (model_directory() / name).unlink(missing_ok=True)
