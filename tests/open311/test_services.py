"""GET services and services/{code}, in both formats; unknown codes and formats."""

from __future__ import annotations

import pytest

from tests.open311.client import Open311Error
from xinfang.cases.models import Category

FORMATS = ("json", "xml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_categories(open311, categories, fmt):
    Category.objects.create(code="OLD", name="已停用分类", active=False)
    child = Category.objects.create(code="ZFBZ-01", name="公租房", parent=categories["housing"])
    services = open311(fmt).services()
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == {"ZFBZ", "LDSB", "WYFW", "ZFBZ-01"}
    assert by_code["ZFBZ"] == {"service_code": "ZFBZ", "service_name": "住房保障", "description": "住房保障",
                               "metadata": False, "type": "realtime", "keywords": "住房保障", "group": ""}
    assert by_code[child.code]["group"] == "住房保障" and by_code[child.code]["keywords"] == "住房保障,公租房"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_has_no_attributes(open311, categories, fmt):
    assert open311(fmt).service("ZFBZ") == {"service_code": "ZFBZ", "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_inactive_service_is_a_spec_404(open311, categories, fmt):
    Category.objects.create(code="OLD", name="已停用分类", active=False)
    for code in ("NOPE", "OLD"):
        with pytest.raises(Open311Error) as caught:
            open311(fmt).service(code)
        assert caught.value.status == 404
        assert caught.value.errors[0]["code"] == 404 and code in caught.value.errors[0]["description"]


def test_json_and_xml_say_the_same(open311, categories):
    assert open311("json").services() == open311("xml").services()


def test_unknown_format_or_path_is_a_spec_404(client, db):
    for path, content_type in (("/open311/v2/services.csv", "application/json"),
                               ("/open311/v2/nope.xml", "text/xml"), ("/open311/v2/", "application/json")):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"].startswith(content_type), path
    assert client.get("/open311/v2/services.csv").json() == [{"code": 404, "description": "未找到。"}]


def test_answers_are_utf8_whatever_the_accept_header(client, categories):
    response = client.get("/open311/v2/services.xml", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "text/xml; charset=utf-8"
    assert "住房保障".encode() in response.content


def test_english_descriptions_on_request(client, db):
    response = client.get("/open311/v2/services/NOPE.json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()[0]["description"].startswith("Unknown service type")
