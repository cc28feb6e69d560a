"""Bulk import in the API, the flow of the /imports/ pages: upload (every row checked, a preview, nothing
written) → confirm (one transaction, all rows or none). Same services (``import_analyse``,
``import_run``), same limits as the web upload, same permission (``cases.register_case``).

Between the two calls the file is kept under a generated name (``uploads.py``); the token that names it is
remembered in the cache under the uploader's id for a day, so only the uploader can confirm it, and the
file's SHA-256 is checked again before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.actions import validated
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import NO_BODY, STAFF_READ_ERRORS, error_responses
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.imports.mapping import mappings_shipped
from xinfang.imports.reader import SUFFIXES, WEB_MAX_BYTES, WEB_MAX_ROWS
from xinfang.imports.services import import_analyse, import_report_summary, import_run
from xinfang.imports.uploads import KEEP_SECONDS, upload_path, upload_store

REGISTER = "cases.register_case"
PREVIEW_ROWS = 10


def _pending_key(user: Any, token: str) -> str:
    return f"imports:pending:{user.pk}:{token}"


class _ImportApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = REGISTER


class MappingOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    source = serializers.CharField()  # type: ignore[assignment]


class ImportUploadIn(serializers.Serializer):
    file = serializers.FileField(help_text=".xlsx or .csv (UTF-8 or GB18030).")
    mapping = serializers.CharField(max_length=64, help_text="The key of a shipped mapping (GET /api/v1/imports/mappings/).")


class RowErrorOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as a spreadsheet numbers it; 0: the file itself.")
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class PreviewRowOut(serializers.Serializer):
    row = serializers.IntegerField()
    source_id = serializers.CharField(allow_blank=True)
    ok = serializers.BooleanField()
    received_at = serializers.CharField(required=False)
    channel = serializers.CharField(required=False)
    matter_type = serializers.CharField(required=False)
    title = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True)
    id_number = serializers.CharField(required=False, allow_blank=True, help_text="Masked.")
    phone = serializers.CharField(required=False, allow_blank=True, help_text="Masked.")
    category = serializers.CharField(required=False, allow_blank=True)
    street = serializers.CharField(required=False, allow_blank=True)
    group_size = serializers.IntegerField(required=False)
    errors = serializers.ListField(child=serializers.CharField(), required=False)  # type: ignore[assignment]


class ImportPreviewOut(serializers.Serializer):
    ok = serializers.BooleanField(help_text="Every row is valid.")
    token = serializers.CharField(allow_null=True, help_text="Confirm with POST /api/v1/imports/{token}/confirm/ "
                                                             "(within a day); null when there is nothing to import.")
    file = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    rows = serializers.IntegerField()
    new = serializers.IntegerField()
    already = serializers.IntegerField(help_text="Rows imported before (skipped).")
    error_total = serializers.IntegerField()
    errors = RowErrorOut(many=True)  # type: ignore[assignment]
    preview = PreviewRowOut(many=True)


class ImportResultOut(serializers.Serializer):
    file = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    rows = serializers.IntegerField()
    new = serializers.IntegerField()
    already = serializers.IntegerField()
    linked = serializers.IntegerField(help_text="Rows linked to an open matter of the same petitioner.")
    written = serializers.BooleanField()
    first = serializers.CharField(allow_blank=True, help_text="The first case number written.")
    last = serializers.CharField(allow_blank=True)
    error_total = serializers.IntegerField()
    errors = RowErrorOut(many=True)  # type: ignore[assignment]


class NoBodyIn(serializers.Serializer):
    """No fields: the body may be empty or ``{}``."""


class ImportMappingsApi(_ImportApi):
    """``GET /api/v1/imports/mappings/``: the shipped column mappings (docs/import.md)."""

    @extend_schema(operation_id="imports_mappings",
                   responses={200: MappingOut(many=True), **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response([{"key": key, "label": m.label, "source": m.source} for key, m in mappings_shipped().items()])


class ImportUploadApi(_ImportApi):
    """``POST /api/v1/imports/`` (multipart: ``file``, ``mapping``): check every row and preview the first
    ones, masked; nothing is written. Row errors are the answer (200, ``ok`` false), not a failed request."""

    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="imports_upload", request={"multipart/form-data": ImportUploadIn},
                   responses={200: ImportPreviewOut, **error_responses(400, 401, 403, 415)})
    def post(self, request: Request) -> Response:
        serializer = ImportUploadIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        key = serializer.validated_data["mapping"]
        mapping = mappings_shipped().get(key)
        if mapping is None:
            raise ValidationFailed(_("未知的列映射。"), errors={"mapping": [_("未知的列映射。")]})
        if Path(upload.name or "").suffix.lower() not in SUFFIXES:
            raise ValidationFailed(_("只能导入 .xlsx 或 .csv 文件。"), errors={"file": [_("只能导入 .xlsx 或 .csv 文件。")]})
        if upload.size > WEB_MAX_BYTES:
            message = _("文件过大（上限 %(n)d MB）。") % {"n": WEB_MAX_BYTES // (1024 * 1024)}
            raise ValidationFailed(message, errors={"file": [message]})
        stored = upload_store(upload)
        report = import_analyse(path=stored.path, mapping=mapping, file_name=stored.name, preview_rows=PREVIEW_ROWS,
                                max_bytes=WEB_MAX_BYTES, max_rows=WEB_MAX_ROWS, file_hash=stored.sha256)
        token = None
        if report.ok and report.new > 0:
            token = stored.token
            cache.set(_pending_key(request.user, token), {"hash": report.file_hash, "mapping": key,
                                                          "name": stored.name, "suffix": stored.suffix},
                      timeout=KEEP_SECONDS)
        else:
            stored.path.unlink(missing_ok=True)
        summary = import_report_summary(report)
        return Response({"ok": report.ok, "token": token, "file": report.file, "source": report.source,
                         "rows": report.rows, "new": report.new, "already": report.already,
                         "error_total": report.error_total, "errors": summary["errors"], "preview": report.preview})


class ImportConfirmApi(_ImportApi):
    """``POST /api/v1/imports/{token}/confirm/``: write the previewed file — one transaction, all rows or
    none. Only the uploader's own token, once; anything else is a 404."""

    @extend_schema(operation_id="imports_confirm", request=NO_BODY,
                   responses={200: ImportResultOut, **error_responses(400, 401, 403, 404, 415)})
    def post(self, request: Request, token: str) -> Response:
        validated(NoBodyIn, request.data)
        key = _pending_key(request.user, token)
        entry = cache.get(key) if len(token) == 32 and all(c in "0123456789abcdef" for c in token) else None
        if entry is None:
            raise NotFound(_("预览已失效或不属于您，请重新上传文件。"))
        cache.delete(key)
        target = upload_path(token, entry["suffix"])
        if not target.is_file():
            raise NotFound(_("预览已失效或不属于您，请重新上传文件。"))
        mapping = mappings_shipped()[entry["mapping"]]
        try:
            report = import_run(path=target, mapping=mapping, actor=request.user, file_name=entry["name"],
                                expected_hash=entry["hash"], max_bytes=WEB_MAX_BYTES, max_rows=WEB_MAX_ROWS)
        finally:
            target.unlink(missing_ok=True)
        return Response(import_report_summary(report))
