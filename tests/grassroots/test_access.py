"""Who sees and does what (SECURITY.md 1): a street's staff see their street's records (its neighbourhoods'
and service points' included), a service point's staff only their point's, the bureau and the leaders all;
another street's staff get 404 on pages and API alike, audited; roles without the permission get 403; the
three admins see nothing. And personal data: encrypted at rest, masked in pages and API, revealed only with
the permission and a reason, audited, never in the audit log or a URL."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import VALID_ID
from tests.grassroots.conftest import PHONE, VALID_ID_2
from xinfang.core.models import AuditEntry
from xinfang.grassroots.models import Party
from xinfang.grassroots.selectors import (
    disputes_visible_to,
    grassroots_scope,
    mediations_visible_to,
    service_points_visible_to,
    visits_visible_to,
)


@pytest.fixture
def records(build, people, units):
    """A dispute and a 三所联动 mediation at 江川路's point, a walk of 江川路, and 莘庄's point's dispute."""
    return {
        "dispute": build.dispute(),
        "mediation": build.mediation(),
        "visit": build.visit(),
        "dispute2": build.dispute(actor="point2_registrar", title="莘庄的纠纷"),
    }


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_scope_by_unit(people, records, units):
    d1, d2 = records["dispute"].pk, records["dispute2"].pk
    assert _ids(disputes_visible_to(people["officer"])) == {d1, d2}
    assert _ids(disputes_visible_to(people["registrar"])) == {d1, d2}  # a registrar of the bureau
    assert _ids(disputes_visible_to(people["leader"])) == {d1, d2}
    assert _ids(disputes_visible_to(people["street_handler"])) == {d1}  # the street and its point
    assert _ids(disputes_visible_to(people["point_registrar"])) == {d1}
    assert _ids(disputes_visible_to(people["point2_registrar"])) == {d2}
    assert _ids(disputes_visible_to(people["street2_handler"])) == {d2}
    for name in ("handler", "other_handler", "system_admin", "security_admin", "audit_admin"):
        assert _ids(disputes_visible_to(people[name])) == set(), name
    # The street's walk is not the point's; a 三所联动 mediation is seen by the police station taking part.
    assert _ids(visits_visible_to(people["point_registrar"])) == set()
    assert _ids(visits_visible_to(people["street_handler"])) == {records["visit"].pk}
    assert _ids(mediations_visible_to(people["police_handler"])) == {records["mediation"].pk}
    assert _ids(mediations_visible_to(people["street2_handler"])) == set()
    assert _ids(service_points_visible_to(people["street_handler"])) == {units["point"].pk}
    assert _ids(service_points_visible_to(people["officer"])) == {units["point"].pk, units["point2"].pk}
    assert grassroots_scope(people["audit_admin"]).nothing


@pytest.mark.parametrize("url", [
    "/grassroots/disputes/{dispute}/", "/grassroots/mediations/{mediation}/", "/grassroots/visits/{visit}/",
    "/grassroots/mediations/{mediation}/agreement.docx", "/grassroots/points/{point}/",
])
def test_another_streets_staff_get_404_on_pages(login, records, units, url):
    address = url.format(dispute=records["dispute"].pk, mediation=records["mediation"].pk,
                         visit=records["visit"].pk, point=units["point"].pk)
    assert login("street2_handler").get(address).status_code == 404
    assert login("point2_registrar").get(address).status_code == 404


def test_out_of_scope_writes_answer_404_and_change_nothing(login, records):
    from tests.grassroots.conftest import counts

    dispute = records["dispute"]
    client = login("point2_registrar")
    before = counts()
    assert client.post(f"/grassroots/disputes/{dispute.pk}/convert/", {
        "convert-matter_type": "claim", "convert-channel": "visit", "convert-title": "x"}).status_code == 404
    assert client.post(f"/grassroots/disputes/{dispute.pk}/resolve/", {"resolve-resolution": "和解"}).status_code == 404
    assert client.post(f"/grassroots/mediations/{records['mediation'].pk}/sessions/", {
        "session-held_at": "2026-11-20T09:00", "session-place": "x", "session-notes": "y"}).status_code == 404
    after = counts()
    # Only the denials were written: to the audit log.
    assert {k: v for k, v in after.items() if k != "AuditEntry"} == {k: v for k, v in before.items()
                                                                      if k != "AuditEntry"}
    denied = AuditEntry.objects.filter(result="denied", username="point2")
    assert {e.action for e in denied} >= {"dispute.update", "mediation.update"}


def test_another_streets_staff_get_404_in_the_api(api_as, records):
    client = api_as("street2_handler")
    for url in (f"/api/v1/grassroots/disputes/{records['dispute'].pk}/",
                f"/api/v1/grassroots/mediations/{records['mediation'].pk}/",
                f"/api/v1/grassroots/visits/{records['visit'].pk}/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(f"/api/v1/grassroots/disputes/{records['dispute'].pk}/convert/",
                           {"matter_type": "claim"}, format="json")
    assert response.status_code == 404
    listed = client.get("/api/v1/grassroots/disputes/").json()
    assert [row["title"] for row in listed["results"]] == ["莘庄的纠纷"]


@pytest.mark.parametrize("name", ["system_admin", "security_admin", "audit_admin"])
def test_roles_without_the_permission_get_403(login, api_as, records, name):
    client = login(name)
    for url in ("/grassroots/disputes/", "/grassroots/mediations/", "/grassroots/visits/", "/grassroots/points/",
                "/grassroots/visits/receptions/"):
        assert client.get(url).status_code == 403
    assert api_as(name).get("/api/v1/grassroots/disputes/").status_code == 403


def test_write_permissions_follow_the_roles(login, records):
    leader = login("leader")
    assert leader.get("/grassroots/disputes/new/").status_code == 403  # leaders read, receive and go down
    assert leader.get("/grassroots/visits/new/").status_code == 200
    assert login("handler").get("/grassroots/visits/receptions/new/").status_code == 403
    assert login("officer").get("/grassroots/visits/receptions/new/").status_code == 200


# --- Personal data ----------------------------------------------------------------------------------


def test_party_numbers_are_encrypted_at_rest(records):
    for party in Party.objects.all():
        assert VALID_ID not in party.id_number_encrypted and VALID_ID_2 not in party.id_number_encrypted
        assert PHONE not in party.phone_encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_encrypted, id_masked, phone_encrypted, phone_masked, id_hash FROM "
                       "grassroots_party")
        dump = repr(cursor.fetchall())
    assert VALID_ID not in dump and VALID_ID_2 not in dump and PHONE not in dump
    assert "110101********4514" in dump


def test_masked_in_pages_and_api_and_never_in_the_audit_log(login, api_as, records):
    html = login("officer").get(f"/grassroots/mediations/{records['mediation'].pk}/").content.decode()
    assert "110101********4514" in html and VALID_ID not in html and PHONE not in html
    body = api_as("officer").get(f"/api/v1/grassroots/disputes/{records['dispute'].pk}/").content.decode()
    assert "110101********4514" in body and VALID_ID not in body and PHONE not in body
    log = repr(list(AuditEntry.objects.values_list("detail", "object_id", "action")))
    assert VALID_ID not in log and PHONE not in log


def test_reveal_needs_the_permission_and_a_reason_and_is_audited(login, api_as, records):
    party = records["dispute"].parties.get(name="王五")
    url = f"/api/v1/grassroots/parties/{party.pk}/reveal/"
    assert api_as("street_handler").post(url, {"reason": "上门核实身份"}, format="json").status_code == 403
    assert AuditEntry.objects.filter(action="party.reveal", result="denied").count() == 1
    assert api_as("officer").post(url, {"reason": "短"}, format="json").status_code == 400
    response = api_as("officer").post(url, {"reason": "调解前核实当事人身份"}, format="json")
    assert response.status_code == 200 and response.json() == {"id_number": VALID_ID, "phone": PHONE}
    entry = AuditEntry.objects.get(action="party.reveal", result="ok")
    assert entry.detail == {"reason": "调解前核实当事人身份"} and entry.username == "officer"
    # Another street's staff: the party is not theirs to ask about.
    assert api_as("street2_handler").post(url, {"reason": "调解前核实当事人身份"}, format="json").status_code == 404
    # The page: a POST (never a URL carrying the number) answered with the numbers in that answer only.
    client = login("street_head")
    response = client.post(f"/grassroots/parties/{party.pk}/reveal/", {f"reveal{party.pk}-reason": "核实当事人身份"})
    assert response.status_code == 200 and VALID_ID in response.content.decode()
    assert VALID_ID not in client.get(f"/grassroots/disputes/{records['dispute'].pk}/").content.decode()
