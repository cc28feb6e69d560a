"""GET /api/v1/units/ and /api/v1/categories/: the reference data a client needs to fill in codes."""

from __future__ import annotations

from tests.api.builders import assert_error
from xinfang.cases.models import Category


def test_units_lists_active_units_with_their_parent(api, district):
    district["street2"].active = False
    district["street2"].save(update_fields=["active"])

    response = api("handler").get("/api/v1/units/")

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert rows["MH-FGJ-01"] == {"code": "MH-FGJ-01", "name": "区房管局物业科", "kind": "department",
                                 "parent": "MH-FGJ"}
    assert rows["MH"]["parent"] is None
    assert rows["MH-JCL"]["kind"] == "street"
    assert "MH-XZ" not in rows  # inactive
    assert len(rows) == 7


def test_categories_lists_active_categories_with_default_unit(api, categories):
    categories["property"].parent = categories["housing"]
    categories["property"].save(update_fields=["parent"])
    Category.objects.create(code="OLD", name="停用分类", active=False)

    response = api("registrar").get("/api/v1/categories/")

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert set(rows) == {"ZFBZ", "LDSB", "WYFW"}
    assert rows["ZFBZ"] == {"code": "ZFBZ", "name": "住房保障", "parent": None, "default_unit": "MH-FGJ"}
    assert rows["WYFW"]["parent"] == "ZFBZ"
    assert rows["LDSB"]["default_unit"] == "MH-RSJ"


def test_reference_data_needs_a_token(api, categories):
    for url in ("/api/v1/units/", "/api/v1/categories/"):
        assert_error(api(None).get(url), 401)
