"""API keys of external systems: create (shown once, stored as a hash), revoke, look up, the commands,
and the 401s in the API's one error shape (xinfang/api/clients.py, authentication.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tests.api.builders import assert_error
from xinfang.api.clients import api_client_by_key, api_client_create, api_client_revoke
from xinfang.api.models import ApiClient
from xinfang.core.audit import audit_verify
from xinfang.core.crypto import token_hash
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.core.models import AuditEntry


def _create(**overrides):
    args = {"name": "hotline-12345", "unit_code": "MH-XFB", "actions": ["open311.submit"], "channel": "hotline"}
    args.update(overrides)
    return api_client_create(**args)


def test_create_stores_only_the_hash_and_shows_the_key_once(district):
    client, key = _create()
    assert key.startswith(f"xfk_{client.key_prefix}_") and len(key) == 4 + 8 + 1 + 32
    client.refresh_from_db()
    assert client.key_hash == token_hash(key) and key not in str(ApiClient.objects.values().get())
    assert client.unit == district["bureau"] and client.actions == ["open311.submit"] and client.channel == "hotline"
    assert api_client_by_key(key) == client
    row = AuditEntry.objects.get(action="apikey.create")
    assert row.object_id == str(client.pk) and key not in str(row.detail) and row.detail["prefix"] == client.key_prefix
    assert audit_verify().ok


def test_create_refuses_bad_input(district):
    _create()
    cases = {"name": {"name": "hotline-12345"}, "unit": {"unit_code": "NOPE"}, "actions": {"actions": ["cases.drop"]},
             "channel": {"channel": "fax"}}
    for field, overrides in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            _create(**{"name": f"other-{field}", **overrides} if field != "name" else overrides)
        assert field in caught.value.errors, (field, caught.value.errors)
    for name in ("", "has space", "x" * 65, "名字"):
        with pytest.raises(ValidationFailed):
            _create(name=name)
    with pytest.raises(ValidationFailed):
        _create(name="empty", actions=[" ", ""])
    assert ApiClient.objects.count() == 1


def test_revoke_is_immediate_audited_and_idempotent(district):
    client, key = _create()
    api_client_revoke(name=client.name)
    api_client_revoke(name=client.name)
    assert api_client_by_key(key) is None
    assert AuditEntry.objects.filter(action="apikey.revoke").count() == 1
    with pytest.raises(NotFound):
        api_client_revoke(name="nobody")


def test_lookup_refuses_near_misses(district):
    client, key = _create()
    prefix, secret = key.split("_")[1:]
    other = "a" if secret[0] != "a" else "b"
    for wrong in ("", "xfk", key + "x", key.upper(), f"xfk_{prefix}_{other}{secret[1:]}", f"xfk_zzzzzzzz_{secret}"):
        assert api_client_by_key(wrong) is None, wrong
    # A closed unit's clients stop working with it.
    district["bureau"].active = False
    district["bureau"].save(update_fields=["active"])
    assert api_client_by_key(key) is None


def test_client_endpoint_answers_with_the_key_and_401s_in_the_one_error_shape(district):
    client, key = _create()
    api = APIClient()
    response = api.get("/api/v1/client/", HTTP_X_API_KEY=key)
    assert response.status_code == 200, response.content
    assert response.json() == {"name": "hotline-12345", "unit": {"code": "MH-XFB", "name": "区信访办"},
                               "channel": "hotline", "actions": ["open311.submit"], "key_prefix": client.key_prefix}
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=None)
    api.get("/api/v1/client/", HTTP_X_API_KEY=key)
    client.refresh_from_db()
    assert client.last_used_at is not None
    uses = AuditEntry.objects.filter(action="apikey.use", result="ok")
    assert uses.count() == 2 and {r.username for r in uses} == {"apikey:hotline-12345"}

    assert_error(api.get("/api/v1/client/"), 401)
    body = assert_error(api.get("/api/v1/client/", HTTP_X_API_KEY="xfk_abcdefgh_" + "a" * 32), 401)
    assert body["message"] == "API 密钥无效或已吊销。"
    assert_error(api.get(f"/api/v1/client/?api_key={key}"), 401)
    api_client_revoke(name=client.name)
    response = api.get("/api/v1/client/", HTTP_X_API_KEY=key)
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == 'ApiKey realm="xinfang"'
    denied = AuditEntry.objects.filter(action="apikey.use", result="denied")
    assert [r.detail["reason"] for r in denied] == ["unknown_or_revoked", "key_in_url", "unknown_or_revoked"]
    assert all(key not in str(r.detail) for r in AuditEntry.objects.all())


def test_a_key_is_not_a_user_token_and_a_token_is_not_a_key(district, personas, api):
    _client, key = _create(actions=["open311.submit", "open311.read"])
    assert_error(APIClient().get("/api/v1/cases/", HTTP_X_API_KEY=key), 401)
    assert_error(APIClient().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}"), 401)
    officer = api("officer")
    token = officer._credentials["HTTP_AUTHORIZATION"].split()[1]
    assert_error(APIClient().get("/api/v1/client/", HTTP_X_API_KEY=token), 401)


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_commands_create_list_revoke(district):
    out, err = _command("create", "--name", "hotline-12345", "--unit", "MH-XFB", "--allow",
                        "open311.submit,open311.read", "--channel", "hotline")
    key = out.strip()
    assert "\n" not in key and api_client_by_key(key).name == "hotline-12345"  # the key alone on stdout
    assert "只保存其摘要" in err
    out, _err = _command("list")
    lines = out.strip().splitlines()
    assert lines[0].split("\t")[:3] == ["名称", "密钥前缀", "单位"]
    row = lines[1].split("\t")
    assert row[:5] == ["hotline-12345", key.split("_")[1], "MH-XFB", "hotline", "open311.read,open311.submit"]
    assert row[-1] == "有效" and key not in out
    out, _err = _command("revoke", "hotline-12345")
    assert "已吊销接口客户端 hotline-12345" in out
    assert _command("list")[0].strip().splitlines()[1].split("\t")[-1].startswith("已吊销")
    with pytest.raises(CommandError, match="cases.drop"):
        _command("create", "--name", "x", "--unit", "MH-XFB", "--allow", "cases.drop")
    with pytest.raises(CommandError, match="nobody"):
        _command("revoke", "nobody")


def test_list_without_clients(db):
    assert _command("list")[0].strip() == "没有接口客户端。"
