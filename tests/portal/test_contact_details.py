"""An anonymous submission never rewrites a known petitioner's details (anyone who knows an ID number
could otherwise change that person's name, phone and address); staff registrations do. Successful
look-ups by query code are audited like every case read (SECURITY.md 8)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.conftest import VALID_ID
from xinfang.cases.models import Case, Petitioner
from xinfang.cases.services import PetitionerInput, case_register
from xinfang.core.models import AuditEntry
from xinfang.portal.services import portal_case_by_code


def _register(actor, *, name: str, phone: str, title: str):
    return case_register(actor=actor, channel=Case.Channel.ONLINE, received_at=timezone.now(),
                         matter_type=Case.MatterType.CLAIM, title=title, content=f"{title}，请尽快处理。",
                         petitioners=[PetitionerInput(name=name, id_number=VALID_ID, phone=phone)],
                         force_new=True)


def test_anonymous_submission_keeps_the_known_details(personas):
    _register(personas["registrar"], name="张三", phone="13812345678", title="小区电梯长期故障")
    result = _register(AnonymousUser(), name="冒名者", phone="13900000000", title="另一件事")
    person = Petitioner.objects.get()
    assert (person.name, person.phone_masked) == ("张三", "138****5678")
    assert result.case.case_petitioners.get().petitioner_id == person.pk


def test_staff_registration_updates_the_details(personas):
    _register(personas["registrar"], name="张三", phone="13812345678", title="小区电梯长期故障")
    _register(personas["registrar"], name="张三", phone="13900000000", title="另一件事")
    assert Petitioner.objects.get().phone_masked == "139****0000"


def test_successful_lookup_is_audited(personas):
    result = _register(personas["registrar"], name="张三", phone="13812345678", title="小区电梯长期故障")
    portal_case_by_code(query_code=result.query_code, ip="192.0.2.7")
    entry = AuditEntry.objects.filter(action="portal.lookup", result="ok").get()
    assert entry.object_id == str(result.case.pk) and entry.ip == "192.0.2.7"
