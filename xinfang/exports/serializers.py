"""Input and output shapes of the export API."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from xinfang.cases.selectors_inbox import DEFAULT_SORT, SORTS
from xinfang.exports.models import ExportJob
from xinfang.exports.services import export_error_message

_HASH = r"^([0-9a-fA-F]{64})?$"
SORT_VALUES = [key for name in SORTS for key in (name, f"-{name}")]


def _text(max_length: int, help_text: str) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, help_text=help_text)


class ExportFilterIn(serializers.Serializer):
    """The filters of the case list (``GET /api/v1/cases/`` and the staff list page); all optional."""

    number = _text(40, "The case number, exact.")
    name = _text(50, "A petitioner's (or representative's) full name, exact.")
    id_hash = serializers.RegexField(_HASH, required=False, allow_blank=True,
                                     help_text="The keyed hash of a full ID number (64 hex digits).")
    phone_hash = serializers.RegexField(_HASH, required=False, allow_blank=True,
                                        help_text="The keyed hash of a full phone number (64 hex digits).")
    q = _text(200, "Free text in the title or the content.")
    category = _text(32, "A category code.")
    street = _text(32, "A street's unit code.")
    unit = _text(32, "The handling unit's code.")
    status = _text(200, "One or more statuses, comma separated.")
    channel = _text(32, "The channel (letter, visit, online …).")
    matter_type = _text(32, "The matter type.")
    overdue = serializers.BooleanField(required=False, default=False,
                                       help_text="A deadline of the case is overdue and still open.")
    received_from = serializers.DateField(required=False, allow_null=True, default=None,
                                          help_text="Received on or after this day (local time).")
    received_to = serializers.DateField(required=False, allow_null=True, default=None,
                                        help_text="Received on or before this day (local time).")

    @staticmethod
    def as_params(data: dict[str, Any]) -> dict[str, str]:
        """The validated filter as the list's query parameters."""
        params = {}
        for key, value in data.items():
            if value in (None, "", False):
                continue
            params[key] = "1" if value is True else value.isoformat() if hasattr(value, "isoformat") else str(value)
        return params


class ExportCreateIn(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportJob.Format.choices, default=ExportJob.Format.XLSX)
    full = serializers.BooleanField(required=False, default=False,
                                    help_text="Clear ID and phone numbers: needs the permission "
                                              "exports.export_full and a reason of at least 4 characters.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                   help_text="Why the export is needed (required for a full export; audited).")
    filter = ExportFilterIn(required=False)
    sort = serializers.ChoiceField(choices=SORT_VALUES, default=DEFAULT_SORT,
                                   help_text="The list's order; a leading '-' sorts descending.")


class ExportJobOut(serializers.Serializer):
    id = serializers.IntegerField()
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)
    full = serializers.BooleanField()
    personal_data = serializers.BooleanField(help_text="The file holds clear ID and phone numbers.")
    reason = serializers.CharField(allow_blank=True)
    filter = serializers.DictField(child=serializers.CharField(), help_text="The list's filter parameters.")
    sort = serializers.CharField()
    status = serializers.ChoiceField(choices=ExportJob.Status.choices)
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    error = serializers.CharField(allow_blank=True, help_text="Why the job failed, for people; empty otherwise.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(help_text="When the file is deleted.")
    download_url = serializers.CharField(allow_null=True, help_text="Set once the file is ready.")


class ExportJobListOut(serializers.Serializer):
    count = serializers.IntegerField()
    results = ExportJobOut(many=True)


def export_job_data(job: ExportJob) -> dict[str, Any]:
    ready = job.status == ExportJob.Status.DONE
    return {
        "id": job.pk, "format": job.format, "full": job.full, "personal_data": job.personal_data,
        "reason": job.reason, "filter": {str(k): str(v) for k, v in (job.params or {}).items()}, "sort": job.sort,
        "status": job.status, "rows_done": job.rows_done, "rows_total": job.rows_total, "percent": job.percent,
        "error": export_error_message(job),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "expires_at": job.expires_at.isoformat(),
        "download_url": reverse("api-export-download", kwargs={"pk": job.pk}) if ready else None,
    }
