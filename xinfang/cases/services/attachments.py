"""Attachments received with a petition (来信原件, photos, contracts …) and registration together with them.

SECURITY.md 14: uploads are allow-listed by type *and* size. The type is checked twice — the extension of
the uploaded name and the file's own first bytes (an ``.exe`` renamed ``.pdf`` is refused) — and the file
is stored under a generated name without extension, outside anything the web server serves, so it can
never be executed or served with a guessed type. SECURITY.md 10: the case and its attachments are
written in one transaction: a bad attachment means nothing is registered.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.cases.models import Case, CaseDocument
from xinfang.cases.services.events import case_event_append, not_allowed
from xinfang.cases.services.registration import RegistrationResult, case_register
from xinfang.core.errors import Forbidden, ValidationFailed

ATTACHMENT_FIELD = "attachments"
_HEAD_BYTES = 16


def _zip_members(stream: IO[bytes]) -> list[str] | None:
    """The member names of a ZIP container (Office Open XML), or None if it is not one. Only the central
    directory is read: nothing is decompressed, so a ZIP bomb costs nothing here."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _ooxml(main_part: str) -> Callable[[bytes, IO[bytes]], bool]:
    def check(head: bytes, stream: IO[bytes]) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_members(stream)
        if names is None or "[Content_Types].xml" not in names or main_part not in names:
            return False
        # A macro project makes it a .docm/.xlsm whatever the name says: refused.
        return not any(name.lower().endswith("vbaproject.bin") for name in names)
    return check


def _text(head: bytes, stream: IO[bytes]) -> bool:
    """Plain text has no magic number: it must decode as UTF-8 (with or without BOM) or GB 18030 and
    carry no NUL byte (every executable and binary format has some)."""
    stream.seek(0)
    data = stream.read()
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


# extension → check of the first bytes (and, for containers, the structure).
ALLOWED_TYPES: dict[str, Callable[[bytes, IO[bytes]], bool]] = {
    "pdf": lambda head, _stream: head.startswith(b"%PDF-"),
    "jpg": lambda head, _stream: head.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda head, _stream: head.startswith(b"\xff\xd8\xff"),
    "png": lambda head, _stream: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "docx": _ooxml("word/document.xml"),
    "xlsx": _ooxml("xl/workbook.xml"),
    "txt": _text,
}


def upload_limits() -> tuple[int, int]:
    """(maximum bytes per file, maximum files per petition) from ``settings.XINFANG``."""
    policy = settings.XINFANG
    return int(policy.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)), int(policy.get("UPLOAD_MAX_FILES", 5))


def attachment_display_name(raw: str) -> str:
    """The uploaded name reduced to something safe to show: no directories, no control characters,
    at most 200 characters. It is only ever displayed, never used as a path."""
    base = os.path.basename((raw or "").replace("\\", "/"))
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    cleaned = cleaned.strip().strip(".") or "attachment"
    if len(cleaned) > 200:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else cleaned[:200]
    return cleaned


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def attachments_validate(files: Sequence[Any]) -> None:
    """Refuse the whole set unless every file is allowed (SECURITY.md 14); ``ValidationFailed`` with one
    message per bad file under ``attachments``. ``files`` are Django ``UploadedFile`` objects."""
    max_bytes, max_files = upload_limits()
    errors: list[str] = []
    if len(files) > max_files:
        errors.append(_("最多上传%(n)d个附件。") % {"n": max_files})
    allowed = "、".join(ALLOWED_TYPES)
    for upload in files:
        name = attachment_display_name(getattr(upload, "name", ""))
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        size = int(getattr(upload, "size", 0) or 0)
        if ext not in ALLOWED_TYPES:
            errors.append(_("“%(name)s”的文件类型不允许，只能上传：%(types)s。") % {"name": name, "types": allowed})
            continue
        if size == 0:
            errors.append(_("“%(name)s”是空文件。") % {"name": name})
            continue
        if size > max_bytes:
            errors.append(_("“%(name)s”超过大小上限（每个文件不超过%(max)s）。") % {
                "name": name, "max": _human_size(max_bytes)})
            continue
        upload.seek(0)
        head = upload.read(_HEAD_BYTES)
        try:
            genuine = ALLOWED_TYPES[ext](head, upload)
        finally:
            upload.seek(0)
        if not genuine:
            errors.append(_("“%(name)s”的内容与扩展名不符（不是有效的%(ext)s文件），已拒收。") % {
                "name": name, "ext": ext.upper()})
    if errors:
        raise ValidationFailed(_("附件不符合要求。"), errors={ATTACHMENT_FIELD: errors})


def case_attachments_store(*, case: Case, files: Sequence[Any], actor: Any, stored: list[str]) -> list[CaseDocument]:
    """Save ``files`` as attachments of ``case`` under generated names; the storage names written are
    appended to ``stored`` so the caller can remove them if the transaction rolls back. Runs inside the
    caller's transaction; call ``attachments_validate`` first."""
    documents = []
    user = actor if getattr(actor, "is_authenticated", False) else None
    for upload in files:
        name = attachment_display_name(upload.name)
        # 128 random bits, no extension: nothing about the stored file comes from the uploader.
        document = CaseDocument(case=case, kind=CaseDocument.Kind.ATTACHMENT, title=name, original_name=name,
                                key=secrets.token_hex(16), created_by=user)
        upload.seek(0)
        document.file.save(document.key, File(upload), save=False)
        stored.append(document.file.name)
        document.save()
        documents.append(document)
    if documents:
        case_event_append(case=case, actor=actor, action="attachments_added",
                          note=_("登记附件%(n)d个。") % {"n": len(documents)},
                          data={"documents": [d.pk for d in documents]})
    return documents


def case_register_with_attachments(*, attachments: Sequence[Any] = (), **registration: Any) -> RegistrationResult:
    """``case_register`` and the attachments, all or nothing (SECURITY.md 10, 14).

    The files are checked before anything is written; then the case and the attachment rows are written
    in one transaction. Files already put in storage are deleted again if the transaction fails, so a
    failed registration leaves neither rows nor files behind."""
    attachments_validate(attachments)
    stored: list[str] = []
    try:
        with transaction.atomic():
            result = case_register(**registration)
            case_attachments_store(case=result.case, files=attachments, actor=registration.get("actor"),
                                   stored=stored)
    except BaseException:
        storage = CaseDocument._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return result


def case_attachments_add(*, case: Case, files: Sequence[Any], actor: Any) -> list[CaseDocument]:
    """Attachments of a petition registered without them (``POST /api/v1/cases/`` takes JSON, so an API
    client registers first and sends the files next): for whoever may register petitions, while the case
    is still 待转送交办 (``registered``) — the files belong to the registration, as at intake, not to the
    handling. Checked like at intake (type and content, size, at most ``UPLOAD_MAX_FILES`` per petition
    in all); all or nothing, and no file is left in storage when the transaction fails."""
    if not actor.has_perm("cases.register_case"):
        raise Forbidden(_("您没有登记附件的权限。"))
    if not files:
        message = _("请选择要上传的附件。")
        raise ValidationFailed(message, errors={ATTACHMENT_FIELD: [message]})
    attachments_validate(files)
    _max_bytes, max_files = upload_limits()
    stored: list[str] = []
    try:
        with transaction.atomic():
            # Locked: a routing at the same moment either waits for the files or makes this a clear 409.
            current = Case.objects.select_for_update().get(pk=case.pk)
            if current.status != Case.Status.REGISTERED:
                raise not_allowed(current, _("登记附件"))
            existing = CaseDocument.objects.filter(case=current, kind=CaseDocument.Kind.ATTACHMENT).count()
            if existing + len(files) > max_files:
                message = _("最多上传%(n)d个附件。") % {"n": max_files}
                raise ValidationFailed(message, errors={ATTACHMENT_FIELD: [message]})
            documents = case_attachments_store(case=current, files=files, actor=actor, stored=stored)
    except BaseException:
        storage = CaseDocument._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return documents
