"""The documents of a case as staff fetch them: the issued notices and opinions (.docx, audited as a
print) and the attachments (downloads under a generated name, audited as a read). Shared by the case page
(``views/detail.py``) and the API (``apis_documents.py``); the case itself always comes from
``access_case`` first."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext as _

from xinfang.cases.documents import ISSUED_KINDS, document_build_docx
from xinfang.cases.models import Case, CaseDocument
from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound

# The largest primary key a 64-bit column holds: a larger id names no document (and SQLite would raise
# OverflowError on it).
_MAX_ID = 2**63 - 1


def _pk(doc_id: Any) -> int:
    try:
        pk = int(doc_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= _MAX_ID:
        raise NotFound()
    return pk


def case_documents(case: Case) -> list[CaseDocument]:
    """The issued documents and the attachments of a case, oldest first."""
    return list(CaseDocument.objects.filter(case=case).order_by("created_at", "id"))


def case_document_issued(*, case: Case, doc_id: Any) -> CaseDocument:
    """An issued notice or opinion of ``case`` (never an attachment); ``NotFound`` otherwise."""
    document = (CaseDocument.objects.select_related("created_by__unit")
                .filter(case=case, pk=_pk(doc_id), kind__in=ISSUED_KINDS).first())
    if document is None:
        raise NotFound()
    return document


def case_attachment(*, case: Case, doc_id: Any) -> CaseDocument:
    """An attachment of ``case`` that has its file; ``NotFound`` otherwise."""
    document = CaseDocument.objects.filter(case=case, pk=_pk(doc_id), kind=CaseDocument.Kind.ATTACHMENT).first()
    if document is None or not document.file:
        raise NotFound()
    return document


def document_print(*, actor: Any, case: Case, document: CaseDocument) -> bytes:
    """The .docx of an issued document (``case`` loaded with ``detail=True``), audited as a print
    (SECURITY.md 8)."""
    content = document_build_docx(case=case, document=document)
    audit_record(actor=actor, action="case.print", obj=case, detail={"document": document.pk, "kind": document.kind})
    return content


def attachment_download_name(*, case: Case, document: CaseDocument) -> str:
    """A generated name (case number, the word for attachment, the row id) with the uploaded file's
    extension when it is a plain one — never the uploaded name itself (SECURITY.md 14)."""
    suffix = PurePosixPath(document.original_name or document.file.name).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 6:
        suffix = ""
    return f"{case.number}-{_('附件')}-{document.pk}{suffix}"


def attachment_open(*, actor: Any, case: Case, document: CaseDocument) -> IO[bytes]:
    """The stored file of an attachment, opened for reading; audited (SECURITY.md 8)."""
    audit_record(actor=actor, action="case.document.read", obj=case, detail={"document": document.pk})
    return document.file.open("rb")
