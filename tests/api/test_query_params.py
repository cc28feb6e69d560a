"""The readers of query parameters the list endpoints share (xinfang/api/fields.py): absent → the default,
the schema's form → the value, anything else → a 400 naming the parameter."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import QueryDict
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from xinfang.api.fields import choice_param, date_param, flag_param, int_param, json_types_check
from xinfang.core.errors import ValidationFailed


def _refused(reader, params: str, *args):
    with pytest.raises(ValidationFailed) as caught:
        reader(QueryDict(params), *args)
    return caught.value


def test_date_param():
    assert date_param(QueryDict(""), "from") is None
    assert date_param(QueryDict("from=2026-10-09"), "from") == date(2026, 10, 9)
    for bad in ("from=", "from=2026-13-01", "from=2026-02-30", "from=x", "from=2026-10-09T00:00",
                "from=20261009", "from=2026-W41-5", "from=%EF%BC%92026-10-09"):
        error = _refused(date_param, bad, "from")
        assert str(error.message) == "参数 from 必须是 YYYY-MM-DD。", bad
        assert error.errors == {"from": ["参数 from 必须是 YYYY-MM-DD。"]}, bad


def test_flag_param():
    assert flag_param(QueryDict(""), "mine") is False
    assert flag_param(QueryDict("mine=true"), "mine") is True
    assert flag_param(QueryDict("mine=false"), "mine") is False
    for bad in ("mine=", "mine=yes", "mine=1", "mine=True"):
        assert list(_refused(flag_param, bad, "mine").errors) == ["mine"], bad


def test_choice_param():
    assert choice_param(QueryDict(""), "status", ["open", "closed"]) == ""
    assert choice_param(QueryDict("status=open"), "status", ["open", "closed"]) == "open"
    for bad in ("status=", "status=OPEN", "status=nope"):
        assert list(_refused(choice_param, bad, "status", ["open", "closed"]).errors) == ["status"], bad


def test_int_param():
    assert int_param(QueryDict(""), "unit") is None
    assert int_param(QueryDict("unit=12"), "unit") == 12
    assert int_param(QueryDict("year=0"), "year", minimum=0) == 0
    assert int_param(QueryDict(f"unit={2**63 - 1}"), "unit") == 2**63 - 1
    assert _refused(int_param, f"unit={2**63}", "unit").errors == {"unit": ["参数 unit 过大。"]}
    for bad in ("unit=", "unit=0", "unit=-3", "unit=1.5", "unit=abc", "unit=%EF%BC%91", "unit= 7"):
        error = _refused(int_param, bad, "unit")
        assert error.errors == {"unit": ["参数 unit 必须是不小于 1 的整数。"]}, bad


# -- every typed query parameter of the API, sent empty ------------------------------------------------

def _typed_query_parameters():
    """(path, parameter name) of every query parameter of every GET collection that the schema types
    (integer, boolean, number, a date, an enum): an empty value does not fit any of them."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in sorted(schema["paths"].items()):
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            declared = parameter["schema"]
            if parameter["in"] == "query" and (declared.get("type") != "string" or "format" in declared
                                               or "enum" in declared):
                yield path, parameter["name"]


def test_the_schema_has_typed_query_parameters_to_check():
    found = set(_typed_query_parameters())
    assert len(found) > 50
    assert {("/api/v1/cases/", "received_from"), ("/api/v1/assessment/", "unit"), ("/api/v1/alerts/", "mine")} <= found


@pytest.mark.parametrize(("path", "name"), list(_typed_query_parameters()))
def test_an_empty_typed_query_parameter_is_a_400_naming_it(api, personas, path, name):
    """``?received_from=`` does not fit ``format: date`` (nor ``?unit=`` an integer): the API refuses it
    and names the parameter, whatever the endpoint — the fuzzer found the case list and the assessment
    accepting it as "no filter", only in some runs (its choice of values depends on what else was
    collected), so this checks each parameter on every run. The reference data is the system admin's."""
    client = api("system_admin" if path.startswith(("/api/v1/reference/", "/api/v1/units/")) else "officer")
    response = client.get(path, {name: ""})
    if response.status_code == 403:  # not this persona's: try the other
        client = api("system_admin")
        response = client.get(path, {name: ""})
    assert response.status_code == 400, (path, name, response.status_code, response.content[:300])
    assert name in response.json().get("errors", {}), response.json()


# -- JSON bodies: the declared types exactly -------------------------------------------------------------

class _Person(serializers.Serializer):
    name = serializers.CharField()
    age = serializers.IntegerField(required=False, allow_null=True)


class _Body(serializers.Serializer):
    reason = serializers.CharField()
    days = serializers.IntegerField(required=False)
    ratio = serializers.FloatField(required=False)
    full = serializers.BooleanField(required=False)
    mode = serializers.ChoiceField(choices=["transfer", "assign"], required=False)
    level = serializers.ChoiceField(choices=[1, 2, 3], required=False)
    day = serializers.DateField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    people = _Person(many=True, required=False)
    owner = _Person(required=False)
    extra = serializers.JSONField(required=False)


def _check(data):
    return json_types_check(_Body().fields, data)


def test_json_types_check_passes_the_declared_types():
    assert _check({"reason": "核实身份", "days": 3, "ratio": 0.5, "full": False, "mode": "assign", "level": 2,
                   "day": "2026-10-09", "tags": ["a"], "people": [{"name": "张三", "age": None}],
                   "owner": {"name": "李四", "age": 40}, "extra": {"any": [1, "x"]}}) == {}
    assert _check({"ratio": 2}) == {}  # an integer is a number
    assert _check({}) == {}  # missing fields are the serializer's business
    assert _check({"unknown": 12}) == {}


def test_json_types_check_names_each_field_of_another_type():
    errors = _check({"reason": 9.9e-303, "days": "3", "ratio": True, "full": "true", "mode": 1, "level": "2",
                     "day": 20261009, "tags": "a", "people": {"name": "x"}, "owner": ["x"]})
    assert set(errors) == {"reason", "days", "ratio", "full", "mode", "level", "day", "tags", "people", "owner"}
    assert errors["reason"] == ["应为字符串。"] and errors["days"] == ["应为整数。"]
    assert errors["full"] == ["应为 true 或 false。"] and errors["people"] == ["应为数组。"]
    assert _check({"days": True}) == {"days": ["应为整数。"]}  # JSON true is not 1
    assert _check({"reason": None}) == {"reason": ["不能为空（null）。"]}


def test_json_types_check_follows_lists_and_nested_objects():
    errors = _check({"tags": ["a", 1], "people": [{"name": "张三"}, {"name": 7, "age": "40"}, "李四"],
                     "owner": {"name": False}})
    assert errors == {"tags.1": ["应为字符串。"], "people.1.name": ["应为字符串。"], "people.1.age": ["应为整数。"],
                      "people.2": ["应为对象。"], "owner.name": ["应为字符串。"]}
