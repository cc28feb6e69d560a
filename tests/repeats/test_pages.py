"""The pages of the repeat index: the intake panel (htmx, POST only, audited, ID numbers never shown), the
case page's similar cases (404 outside the caller's scope), and the clusters page."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.test import Client

from tests.conftest import at
from tests.repeats.conftest import ACCUSATION, BUS, ELEVATOR, ELEVATOR_REWRITE, VALID_ID, WAGES
from tests.repeats.test_clusters import BUS_AGAIN
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry

PANEL = "/repeats/intake/"
CLUSTERS = "/repeats/clusters/"
PHONE = "13812345678"


def intake_form(**fields: str) -> dict[str, str]:
    data = {"petitioners-TOTAL_FORMS": "1", "petitioners-INITIAL_FORMS": "0", "representatives-TOTAL_FORMS": "0",
            "representatives-INITIAL_FORMS": "0", "title": "", "content": "", "channel": "letter"}
    data.update(fields)
    return data


def test_the_intake_page_has_the_panel(login):
    page = login("registrar").get("/cases/new/").content.decode()
    assert "可能重复/相似信访" in page
    assert 'hx-post="/repeats/intake/"' in page
    assert "<script>" not in page and 'style="' not in page


def test_panel_lists_candidates_with_reasons(login, petitions):
    elevator = petitions.register(ELEVATOR, name="张三", id_number=VALID_ID, phone=PHONE)
    petitions.register(WAGES)
    answer = login("registrar").post(PANEL, intake_form(
        title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1], **{"petitioners-0-name": "张三",
                                                                   "petitioners-0-id_number": VALID_ID}),
        HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert elevator.number in html and f"/cases/{elevator.pk}/" in html
    assert "同一身份证号" in html and "内容相似（" in html
    assert WAGES[0] not in html
    assert VALID_ID not in html and VALID_ID[6:14] not in html
    entry = AuditEntry.objects.filter(action="repeats.lookup").get()
    assert entry.detail == {"by": ["id_number"], "found": 1}
    assert VALID_ID not in str(entry.__dict__)


def test_panel_reads_the_lookup_fields_and_skips_invalid_numbers(login, petitions):
    earlier = petitions.register(WAGES, phone=PHONE)
    html = login("registrar").post(PANEL, intake_form(**{"lookup-phone": PHONE, "lookup-id_number": "123"}),
                                   HTTP_HX_REQUEST="true").content.decode()
    assert earlier.number in html and "同一联系电话" in html


def test_panel_before_anything_is_typed(login):
    html = login("registrar").post(PANEL, intake_form(), HTTP_HX_REQUEST="true").content.decode()
    assert "填写信访人或信访内容后显示" in html
    assert not AuditEntry.objects.filter(action="repeats.lookup").exists()


def test_panel_finds_nothing(login, petitions):
    petitions.register(WAGES)
    html = login("registrar").post(PANEL, intake_form(title=BUS[0], content=BUS[1])).content.decode()
    assert "未发现可能重复或相似的信访" in html


def test_panel_is_post_only_and_for_registrars(login):
    assert login("registrar").get(PANEL).status_code == 405
    assert login("handler").post(PANEL, intake_form(title="x")).status_code == 403
    assert login("audit_admin").post(PANEL, intake_form(title="x")).status_code == 403
    assert Client().post(PANEL, intake_form(title="x")).status_code == 302


def test_panel_never_offers_an_accusation_to_the_accused(login, petitions, personas):
    accusation = petitions.register(ACCUSATION, matter_type=Case.MatterType.ACCUSATION, accused_units=("housing",))
    html = login("registrar").post(PANEL, intake_form(title=ACCUSATION[0], content=ACCUSATION[1])).content.decode()
    assert accusation.number in html
    # A registrar of the accused unit would not see it (no such persona registers; the gateway decides).
    personas["handler"].user_permissions.add(Permission.objects.get(codename="register_case"))
    html = login("handler").post(PANEL, intake_form(title=ACCUSATION[0], content=ACCUSATION[1])).content.decode()
    assert accusation.number not in html


def test_case_page_loads_similar_cases(login, petitions):
    elevator = petitions.route(petitions.register(ELEVATOR), "housing")
    again = petitions.route(petitions.register(ELEVATOR_REWRITE), "housing")
    page = login("officer").get(f"/cases/{again.pk}/").content.decode()
    assert f'hx-get="/repeats/cases/{again.pk}/similar/"' in page
    fragment = login("handler").get(f"/repeats/cases/{again.pk}/similar/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert elevator.number in html and "内容相似（" in html
    assert "<html" not in html
    full = login("handler").get(f"/repeats/cases/{again.pk}/similar/").content.decode()
    assert "<html" in full and elevator.number in full


def test_case_similar_is_404_outside_the_scope(login, petitions):
    case = petitions.route(petitions.register(ELEVATOR), "housing")
    assert login("other_handler").get(f"/repeats/cases/{case.pk}/similar/").status_code == 404
    assert login("handler").get("/repeats/cases/999999/similar/").status_code == 404
    assert login("audit_admin").get(f"/repeats/cases/{case.pk}/similar/").status_code == 403


def test_clusters_page(login, petitions):
    for text, name in zip([BUS, *BUS_AGAIN], "甲乙丙丁", strict=True):
        petitions.register(text, name=name, when="2026-11-15 09:00")
    with clock_at(at("2026-11-20 12:00")):
        page = login("officer").get(CLUSTERS)
        assert page.status_code == 200
        html = page.content.decode()
        assert "相似信访聚集" in html and "4 件，4 名信访人" in html
        assert "2026-11-15 至 2026-11-15" in html
        html = login("officer").get(CLUSTERS + "?days=7").content.decode()
        assert "4 件" in html
        assert login("officer").get(CLUSTERS + "?days=abc").status_code == 200
    assert login("audit_admin").get(CLUSTERS).status_code == 403


def test_clusters_page_in_english(login):
    html = login("officer").get(CLUSTERS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Clusters of similar petitions" in html


def test_case_similar_fragment_survives_a_session_ended_meanwhile(login, petitions, monkeypatch):
    """The intermittent 400: the fragment is still running when the session is deleted (the officer signs
    out or in, here or in another tab). The fragment must not save the session afterwards: Django answers a
    save of a deleted session with SessionInterrupted (HTTP 400)."""
    from django.contrib.sessions.models import Session

    from xinfang.repeats import views

    case = petitions.route(petitions.register(ELEVATOR), "housing")
    client = login("handler")
    client.get(f"/cases/{case.pk}/")  # the page that fires the fragment (it sets last_seen)
    real = views.case_repeat_candidates

    def signed_out_meanwhile(**kwargs):
        Session.objects.all().delete()
        return real(**kwargs)

    monkeypatch.setattr(views, "case_repeat_candidates", signed_out_meanwhile)
    response = client.get(f"/repeats/cases/{case.pk}/similar/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not Session.objects.exists()  # nothing written back: the session stays ended
    # The session of a fragment that did not race is left as the page left it.
    monkeypatch.setattr(views, "case_repeat_candidates", real)
    client = login("handler")
    before = Session.objects.get().session_data
    assert client.get(f"/repeats/cases/{case.pk}/similar/", HTTP_HX_REQUEST="true").status_code == 200
    assert Session.objects.get().session_data == before
