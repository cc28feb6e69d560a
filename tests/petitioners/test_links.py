"""Case links: a bureau officer links two cases in scope (events on both, audited); refused for others,
for duplicates in either direction, for a self-link and for an unknown kind, with nothing written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xinfang.cases.models import CaseEvent
from xinfang.core.errors import Forbidden, NotFound, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.petitioners.models import CaseLink
from xinfang.petitioners.selectors import case_links_visible
from xinfang.petitioners.services import case_link, case_unlink


def _events(case, action: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, action=action))


def test_officer_links_two_cases(world):
    c, officer = world.cases, world.personas["officer"]
    link = case_link(actor=officer, case=c["c2"], other=c["c4"], kind=CaseLink.Kind.RELATED_TO, note="同一小区")
    assert (link.from_case_id, link.to_case_id, link.kind, link.created_by) == (c["c2"].pk, c["c4"].pk,
                                                                                 "related_to", officer)
    assert [e.data["case"] for e in _events(c["c2"], "case_link")] == [c["c4"].pk]
    assert [e.data["case"] for e in _events(c["c4"], "case_link")] == [c["c2"].pk]
    assert c["c4"].number in _events(c["c2"], "case_link")[0].note
    assert AuditEntry.objects.filter(action="case.link", object_id=str(link.pk)).exists()
    seen = case_links_visible(user=officer, case=c["c4"])
    assert [(i["other"].pk, i["outgoing"]) for i in seen] == [(c["c2"].pk, False)]


def test_refusals_write_nothing(world):
    c = world.cases
    officer = world.personas["officer"]
    with pytest.raises(Forbidden):
        case_link(actor=world.personas["handler"], case=c["c1"], other=c["c2"], kind="repeat_of")
    with pytest.raises(ValidationFailed) as self_link:
        case_link(actor=officer, case=c["c1"], other=c["c1"], kind="repeat_of")
    assert "other" in self_link.value.errors
    with pytest.raises(ValidationFailed) as bad_kind:
        case_link(actor=officer, case=c["c1"], other=c["c2"], kind="twin_of")
    assert "kind" in bad_kind.value.errors
    with pytest.raises(ValidationFailed):
        case_link(actor=officer, case=c["c1"], other=c["c2"], kind="repeat_of", note="x" * 501)
    assert not CaseLink.objects.exists()
    assert not CaseEvent.objects.filter(action="case_link").exists()


def test_duplicates_refused_in_either_direction(world):
    c, officer = world.cases, world.personas["officer"]
    case_link(actor=officer, case=c["c3"], other=c["c1"], kind="duplicate_of")
    for case, other in ((c["c3"], c["c1"]), (c["c1"], c["c3"])):
        with pytest.raises(ValidationFailed) as exc:
            case_link(actor=officer, case=case, other=other, kind="duplicate_of")
        assert exc.value.code == "duplicate"
    # Another kind between the same two cases is a different link.
    case_link(actor=officer, case=c["c3"], other=c["c1"], kind="related_to")
    assert CaseLink.objects.count() == 2
    assert CaseEvent.objects.filter(action="case_link").count() == 4


def test_unlink_writes_events_on_both(world):
    c, officer = world.cases, world.personas["officer"]
    link = case_link(actor=officer, case=c["c5"], other=c["c4"], kind="repeat_of")
    with pytest.raises(Forbidden):
        case_unlink(actor=world.personas["other_handler"], link=link)
    case_unlink(actor=officer, link=link)
    assert not CaseLink.objects.exists()
    assert len(_events(c["c5"], "case_unlink")) == 1 and len(_events(c["c4"], "case_unlink")) == 1
    assert AuditEntry.objects.filter(action="case.unlink", object_id=str(link.pk)).exists()
    with pytest.raises(NotFound):
        case_unlink(actor=officer, link=link)


def test_a_link_to_an_accusation_is_hidden_from_the_accused_unit(world):
    c = world.cases
    case_link(actor=world.personas["officer"], case=c["c1"], other=c["c6"], kind="related_to")
    assert case_links_visible(user=world.personas["handler"], case=c["c1"]) == []
    client = Client()
    client.force_login(world.personas["handler"])
    text = client.get(reverse("petitioners:case_links", args=[c["c1"].pk])).content.decode()
    assert c["c6"].number not in text
    assert client.get(reverse("petitioners:case_links", args=[c["c6"].pk])).status_code == 404


def test_link_pages(world):
    c = world.cases
    client = Client()
    client.force_login(world.personas["officer"])
    add = reverse("petitioners:case_link_add", args=[c["c2"].pk])
    response = client.post(add, {"other": c["c1"].number, "kind": "repeat_of", "note": "同一事项"})
    assert response.status_code == 302
    link = CaseLink.objects.get()
    fragment = client.get(reverse("petitioners:case_links", args=[c["c2"].pk]), HTTP_HX_REQUEST="true")
    assert c["c1"].number in fragment.content.decode() and "<html" not in fragment.content.decode()
    again = client.post(add, {"other": c["c1"].number, "kind": "repeat_of"})
    assert again.status_code == 400 and "这两个事项已有此类关联" in again.content.decode()
    assert client.post(add, {"other": "NOPE", "kind": "repeat_of"}).status_code == 400
    remove = reverse("petitioners:case_link_remove", args=[c["c2"].pk, link.pk])
    handler = Client()
    handler.force_login(world.personas["handler"])
    assert handler.post(remove).status_code == 403
    assert client.post(remove).status_code == 302
    assert not CaseLink.objects.exists()
