"""/analytics/: the overview and hotspots pages — every number links to the case list showing exactly the
cases behind it; scoping (404 for another unit), bad input (400, nothing computed), a query count that
does not grow with the cases, plotly.js served offline (docs/analytics.md)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote_plus, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import Workflow
from tests.conftest import at
from xinfang.accounts.access import cases_visible_to
from xinfang.cases.filters import CaseFilterSet
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, case_rate
from xinfang.core.clock import clock_at

NOW = at("2026-06-30 12:00")
URL = "/analytics/"


@pytest.fixture
def wf(personas, district, categories) -> Workflow:
    return Workflow(personas=personas, district=district, categories=categories)


@pytest.fixture(autouse=True)
def _now():
    with clock_at(NOW):
        yield


def _plant(wf, district, n: int = 0):
    a = wf.route(wf.register("2026-06-01 09:00"), "2026-06-02 10:00")
    wf.register("2026-06-01 10:00", channel=Case.Channel.VISIT, group_size=7, category="labour",
                street=district["street2"], id_number="", phone="13900000001",
                representatives=[PetitionerInput(name="代表甲", id_number="", phone="13900000011", address="莘庄1号")])
    wf.accept(a, "2026-06-03 10:00")
    wf.reply(a, "2026-06-10 10:00")
    with clock_at(at("2026-06-11 10:00")):
        case_rate(case=Case.objects.get(pk=a.pk), rating="satisfied")
    wf.register("2026-06-12 09:00", repeat_of=a, force_new=False, title="电梯仍未修好")
    for i in range(n):
        wf.register(f"2026-06-13 09:{i:02d}", id_number="", phone=f"139000005{i:02d}")


def _links(html: str) -> list[tuple[str, int]]:
    """(href, number) of every link to the case list whose text is a number."""
    found = []
    for href, text in re.findall(r'<a[^>]*href="(/cases/list/\?[^"]*)"[^>]*>\s*([^<]*?)\s*</a>', html):
        number = re.search(r"(\d+)\s*$", unescape(text))
        if number:
            found.append((unescape(href), int(number.group(1))))
    return found


@pytest.mark.parametrize("persona", ["officer", "leader", "handler"])
def test_every_number_opens_exactly_its_cases(login, personas, wf, district, persona):
    _plant(wf, district)
    response = login(persona).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    links = _links(html)
    assert len(links) >= 10
    user = personas[persona]
    for href, number in links:
        params = QueryDict(urlsplit(href).query)
        assert "2026-01-01" <= params["received_from"] <= params["received_to"] <= "2026-06-30"
        filterset = CaseFilterSet(params, queryset=cases_visible_to(user))
        assert filterset.is_valid(), (href, filterset.errors)
        assert filterset.qs.count() == number, (persona, href)


def test_the_page_shows_the_figures_and_their_definitions(login, wf, district):
    _plant(wf, district)
    html = login("officer").get(URL).content.decode()
    assert "形势研判" in html and "口径说明" in html and "未办结存量" in html
    assert 'id="analytics-charts" type="application/json"' in html
    assert "/static/analytics/vendor/plotly.min.js" in html and "/static/analytics/charts.js" in html
    # No inline script or style (CSP): the only <script> element without src is json_script's data.
    assert len(re.findall(r"<script(?![^>]*\bsrc=)", html)) == 1
    assert 'style="' not in html and " onclick=" not in html
    assert 'hx-get="/analytics/top-petitioners/?start=2026-01-01&amp;end=2026-06-30"' in html


def test_scope_picker_offers_only_the_users_scopes(login, wf, district):
    _plant(wf, district)
    html = login("handler").get(URL).content.decode()
    assert 'value="unit:MH-FGJ"' in html and 'value="district"' not in html and "unit:MH-RSJ" not in html
    for scope in ("district", "unit:MH-RSJ", "street:MH-JCL", "nonsense"):
        assert login("handler").get(URL, {"scope": scope}).status_code == 404
    html = login("officer").get(URL, {"scope": "street:MH-XZ"}).content.decode()
    assert 'value="street:MH-XZ" selected' in html
    assert "/cases/list/?received_from=2026-01-01&amp;received_to=2026-06-30&amp;street=MH-XZ" in html


def test_bad_input_is_a_form_error(login):
    for params, field in (({"start": "2026-02-30"}, "start"), ({"start": "2026-06-01", "end": "2026-05-01"}, "end"),
                          ({"start": "1990-01-01"}, "end")):
        response = login("officer").get(URL, params)
        assert response.status_code == 400
        assert f'id="id_{field}_error"' in response.content.decode()
        assert response.context["data"] is None


def test_permissions(client, login):
    assert client.get(URL).status_code == 302
    assert login("system_admin").get(URL).status_code == 403
    assert login("audit_admin").get("/analytics/hotspots/").status_code == 403


def test_query_count_does_not_grow_with_the_cases(login, wf, district):
    _plant(wf, district)
    client = login("officer")
    client.get(URL)  # the roll-up is built
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    _plant_more = [wf.register(f"2026-06-20 09:{i:02d}", id_number="", phone=f"139000006{i:02d}") for i in range(8)]
    assert len(_plant_more) == 8
    client.get(URL)  # refreshed
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 30


def test_top_petitioners_panel(login, wf, district):
    _plant(wf, district)
    response = login("officer").get("/analytics/top-petitioners/", {"start": "2026-01-01", "end": "2026-06-30"},
                                    HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "张三" in response.content.decode()
    assert login("officer").get("/analytics/top-petitioners/", {"start": "x"}).status_code == 400


def test_hotspots_page(login, wf, district):
    _plant(wf, district)
    response = login("officer").get("/analytics/hotspots/", {"end": "2026-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "上升最快的类别×街道" in html
    # The key phrases (seconds on a large district) are a panel loaded after the page, with a link without htmx.
    assert 'hx-get="/analytics/hotspots/phrases/?end=2026-06-30&amp;scope="' in html
    assert response.context["hot"].phrases == []
    assert login("officer").get("/analytics/hotspots/", {"end": "bad"}).status_code == 400
    assert login("handler").get("/analytics/hotspots/", {"scope": "district"}).status_code == 404


def test_hotspot_phrases_panel(login, wf, district):
    _plant(wf, district, n=8)
    client = login("officer")
    panel = client.get("/analytics/hotspots/phrases/", {"end": "2026-06-30"}, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert panel.context["found"].sampled > 0
    html = panel.content.decode()
    assert "<html" not in html and "本期最近" in html
    assert panel.context["found"].phrases
    for phrase in panel.context["found"].phrases:  # every count links to the cases containing the phrase
        assert f"q={quote_plus(phrase.text)}" in html.replace("&amp;", "&")
    page = client.get("/analytics/hotspots/phrases/", {"end": "2026-06-30"})
    assert page.status_code == 200 and "<html" in page.content.decode()
    bad = client.get("/analytics/hotspots/phrases/", {"end": "bad"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    assert login("handler").get("/analytics/hotspots/phrases/", {"scope": "district"}).status_code == 404
    assert login("audit_admin").get("/analytics/hotspots/phrases/").status_code == 403


def test_plotly_is_served_from_the_wheel():
    path = finders.find("analytics/vendor/plotly.min.js")
    assert path and path.endswith("plotly/package_data/plotly.min.js")
    listed = [p for finder in finders.get_finders() for p, _ in finder.list([]) if p.endswith("plotly.min.js")]
    assert listed == ["plotly.min.js"]
