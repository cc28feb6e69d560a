"""The intake helpers in the API, as the intake page has them: the petitioner look-up (POST only, masked,
audited without the keys, scoped) and the suggested responsible unit of a category in a street."""

from __future__ import annotations

from django.test import Client

from tests.api.builders import PHONE, assert_error, check_each
from tests.conftest import VALID_ID
from xinfang.cases.models import Case, CategoryStreetRoute
from xinfang.core.models import AuditEntry

MASKED_ID = VALID_ID[:6] + "********" + VALID_ID[-4:]


def _lookup(api, name, body):
    return api(name).post("/api/v1/intake/petitioner-lookup/", body, format="json")


def test_lookup_finds_the_person_and_their_cases_masked(api, flow):
    first, _ = flow.case_at("replied")
    second, _ = flow.register(title="楼道灯不亮")
    for body in ({"id_number": VALID_ID}, {"phone": PHONE}, {"name": "张三"},
                 {"id_number": VALID_ID.lower(), "name": "张三"}):
        response = _lookup(api, "registrar", body)
        assert response.status_code == 200, response.content
        matches = response.json()
        assert len(matches) == 1, body
        person = matches[0]["petitioner"]
        assert person["name"] == "张三" and person["id_number"] == MASKED_ID and person["phone"] == "138****5678"
        assert [c["number"] for c in matches[0]["cases"]] == [second.number, first.number]
        assert [c["is_open"] for c in matches[0]["cases"]] == [True, True]
        text = response.content.decode()
        assert VALID_ID not in text and PHONE not in text
    entry = AuditEntry.objects.filter(action="petitioner.lookup").latest("id")
    assert entry.detail == {"by": ["id_number", "name"], "found": 1}
    assert VALID_ID not in str(entry.detail)
    assert _lookup(api, "registrar", {"name": "李四"}).json() == []
    assert _lookup(api, "registrar", {"id_number": VALID_ID, "name": "李四"}).json() == []  # every key must match


def test_lookup_is_scoped_by_the_gateway(api, flow):
    """A registrar sees every case of the district; a person whose only case accuses the caller's own unit is
    not shown at all (the bureau's officer here: the accusation names the bureau)."""
    flow.register(title="信访办干部违规", matter_type=Case.MatterType.ACCUSATION, accused_units=("bureau",))
    assert len(_lookup(api, "registrar", {"name": "张三"}).json()) == 0
    assert len(_lookup(api, "registrar", {"id_number": VALID_ID}).json()) == 0


def test_lookup_refusals(api, flow):
    check_each({
        "nothing": lambda: assert_error(_lookup(api, "registrar", {}), 400),
        "blank": lambda: assert_error(_lookup(api, "registrar", {"name": "  "}), 400),
        "bad id": lambda: assert_error(_lookup(api, "registrar", {"id_number": VALID_ID[:-1] + "0"}), 400, "id_number"),
        "bad phone": lambda: assert_error(_lookup(api, "registrar", {"phone": "abc"}), 400, "phone"),
        "a handler may not register": lambda: assert_error(_lookup(api, "handler", {"name": "张三"}), 403),
        "anonymous": lambda: assert_error(_lookup(api, None, {"name": "张三"}), 401),
        "GET is not the look-up": lambda: assert_error(api("registrar").get("/api/v1/intake/petitioner-lookup/"),
                                                       405),
    })


def test_suggested_unit(api, district, categories, personas):
    client = api("registrar")

    def suggested(**params):
        response = client.get("/api/v1/intake/suggested-unit/", params)
        assert response.status_code == 200, response.content
        return response.json()

    default = suggested(category="ZFBZ")
    assert {k: default[k] for k in ("category", "street", "unit", "basis", "by_street")} == {
        "category": {"code": "ZFBZ", "name": "住房保障"}, "street": None,
        "unit": {"code": "MH-FGJ", "name": "区房管局"}, "basis": "default", "by_street": False}
    assert default["reason"]
    CategoryStreetRoute.objects.create(category=categories["housing"], street=district["street"],
                                       unit=district["street"])
    by_street = suggested(category="ZFBZ", street="MH-JCL")
    assert by_street["unit"] == {"code": "MH-JCL", "name": "江川路街道"} and by_street["by_street"] is True
    assert by_street["basis"] == "street" and "江川路街道" in by_street["reason"]
    assert suggested(category="ZFBZ", street="MH-XZ")["unit"]["code"] == "MH-FGJ"
    assert suggested(category="NOPE")["unit"] is None
    nothing = suggested(street="MH-JCL")
    assert nothing["category"] is None and nothing["unit"] is None and nothing["basis"] == "none"
    assert nothing["street"] == {"code": "MH-JCL", "name": "江川路街道"}
    assert suggested(category="ZFBZ", street="MH-FGJ")["street"] is None  # not a street
    # The intake page suggests the same unit, for the same reason (one selector).
    page = Client()
    page.force_login(personas["registrar"])
    html = page.get("/cases/new/suggested-unit/", {"category": categories["housing"].pk,
                                                   "street": district["street"].pk}).content.decode()
    assert by_street["unit"]["name"] in html and by_street["reason"] in html
    assert_error(api("handler").get("/api/v1/intake/suggested-unit/", {"category": "ZFBZ"}), 403)
    assert_error(api(None).get("/api/v1/intake/suggested-unit/"), 401)
