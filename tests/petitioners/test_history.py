"""A petitioner's history: every matter the reader may see, in time order, masked; 404 for a person none of
whose matters the reader can see; the accused unit never sees the accusation (SECURITY.md 1–2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import VALID_ID
from tests.petitioners.conftest import PHONE_1
from xinfang.core.errors import NotFound
from xinfang.core.models import AuditEntry
from xinfang.petitioners.selectors import petitioner_history


def _numbers(history) -> list[str]:
    return [r.case.number for r in history.rows]


def test_officer_sees_every_matter_in_time_order(world):
    c = world.cases
    history = petitioner_history(user=world.personas["officer"], petitioner_id=world.petitioner_ids["张三"])
    assert _numbers(history) == [c[k].number for k in ("c0", "c1", "c2", "c3", "c6")]
    assert (history.total, history.repeats, history.visits) == (5, 3, 1)
    c2 = history.rows[2]
    assert c2.is_repeat and c2.repeat_of_number == c["c1"].number and c2.is_visit


def test_accused_unit_never_sees_the_accusation(world):
    history = petitioner_history(user=world.personas["handler"], petitioner_id=world.petitioner_ids["张三"])
    assert world.cases["c6"].number not in _numbers(history)
    assert _numbers(history) == [world.cases[k].number for k in ("c0", "c1", "c2", "c3")]


def test_handler_of_another_unit_gets_404(world):
    with pytest.raises(NotFound):
        petitioner_history(user=world.personas["other_handler"], petitioner_id=world.petitioner_ids["张三"])
    with pytest.raises(NotFound):
        petitioner_history(user=world.personas["officer"], petitioner_id=10**9)
    with pytest.raises(NotFound):
        petitioner_history(user=world.personas["system_admin"], petitioner_id=world.petitioner_ids["张三"])


def test_discipline_handler_sees_only_the_accusation(world):
    history = petitioner_history(user=world.personas["discipline_handler"],
                                 petitioner_id=world.petitioner_ids["张三"])
    assert _numbers(history) == [world.cases["c6"].number]


def history_petitioner(world):
    return world.cases["c1"].case_petitioners.get().petitioner


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_history_page_masked_scoped_and_audited(world):
    pid = world.petitioner_ids["张三"]
    url = reverse("petitioners:history", args=[pid])
    page = _client(world.personas["officer"]).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert VALID_ID not in text and PHONE_1 not in text
    masked = history_petitioner(world).id_masked
    assert masked and masked in text and history_petitioner(world).phone_masked in text
    assert world.cases["c6"].number in text
    assert AuditEntry.objects.filter(action="petitioner.history", object_id=str(pid)).exists()
    handler_page = _client(world.personas["handler"]).get(url).content.decode()
    assert world.cases["c6"].number not in handler_page and world.cases["c1"].number in handler_page
    assert _client(world.personas["other_handler"]).get(url).status_code == 404
    assert _client(world.personas["system_admin"]).get(url).status_code in (403, 404)


def test_case_page_links_to_the_history(world):
    page = _client(world.personas["officer"]).get(reverse("cases:detail", args=[world.cases["c1"].pk]))
    text = page.content.decode()
    assert reverse("petitioners:history", args=[world.petitioner_ids["张三"]]) in text
    assert reverse("petitioners:case_links", args=[world.cases["c1"].pk]) in text


def test_navigation_has_the_repeats_page(world):
    page = _client(world.personas["officer"]).get(reverse("petitioners:repeats"))
    assert page.status_code == 200
    assert page.context["nav_items"] and any(i["url"] == reverse("petitioners:repeats") and i["active"]
                                             for i in page.context["nav_items"])
