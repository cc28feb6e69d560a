"""Roles (``roles.py``, ``user_set_role``, ``user_create``): one group per role with exactly its
permissions, one role per account, 三员 separation (SECURITY.md 3); and the ``createuser`` and ``token``
commands."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from xinfang.accounts.models import Unit, User
from xinfang.accounts.roles import ADMIN_ROLES, DISTRICT_WIDE_ROLES, ROLE_PERMISSIONS, UNIT_ROLES
from xinfang.accounts.services import roles_sync, user_create, user_set_role
from xinfang.core.errors import ValidationFailed
from xinfang.core.models import AuditEntry

# Models that hold petition content (petitions, petitioners, accusations, their log, documents,
# deadlines, ratings, and the inbox that quotes them). Written out here, not derived from roles.py;
# categories and the unit tree are reference data, not content.
PETITION_CONTENT_MODELS = {
    ("cases", "case"), ("cases", "petitioner"), ("cases", "casepetitioner"), ("cases", "caseaccused"),
    ("cases", "caseevent"), ("cases", "casedeadline"), ("cases", "caserating"), ("cases", "casedocument"),
    ("notifications", "notification"), ("notifications", "outboxmessage"),
}
ADMINS = ("system_admin", "security_admin", "audit_admin")


def content_permissions(user: User) -> set[str]:
    """The permissions ``user`` holds on petition-content models, through any group or directly."""
    perms = Permission.objects.filter(Q(group__user=user) | Q(user=user)).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms
            if (p.content_type.app_label, p.content_type.model) in PETITION_CONTENT_MODELS}


def account(role: str, district: dict[str, Unit]) -> User:
    """A fresh account of ``role`` (unit roles in 区房管局)."""
    unit = district["housing"] if role in ("handler", "unit_head") else None
    return fresh(user_create(username=f"acct-{role}", role=role, unit=unit))


def perms_of_group(role: str) -> set[str]:
    group = Group.objects.get(name=f"role:{role}")
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def fresh(user: User) -> User:
    """The account as the next request would load it (no permission cache)."""
    return User.objects.get(pk=user.pk)


# --- The role table ----------------------------------------------------------------------------------------

def test_every_role_has_a_row_and_a_class():
    assert set(ROLE_PERMISSIONS) == set(User.Role.values)
    classes = [DISTRICT_WIDE_ROLES, UNIT_ROLES, ADMIN_ROLES]
    # No role is both district-wide and unit-scoped, or an admin with petition scope.
    for i, a in enumerate(classes):
        for b in classes[i + 1:]:
            assert not a & b
    assert set(ADMIN_ROLES) == set(ADMINS)


@pytest.mark.parametrize("role", User.Role.values)
def test_every_role_has_its_group_with_exactly_its_permissions(db, role):
    # Made by the post-migrate hook when the test database was built.
    assert perms_of_group(role) == set(ROLE_PERMISSIONS[role])


def test_the_role_groups_are_the_only_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) == {f"role:{r}" for r in User.Role.values}


@pytest.mark.parametrize("role", ADMINS)
def test_the_three_admins_hold_no_petition_content_permission(district, role):
    user = account(role, district)
    assert user.get_all_permissions(), "an admin holds the permissions of their own duty"
    assert content_permissions(user) == set()
    # The custom case permissions (Case.Meta.permissions) included.
    for perm in ("cases.view_case", "cases.register_case", "cases.route_case", "cases.handle_case",
                 "cases.reveal_personal_data", "cases.decide_review", "cases.approve_extension"):
        assert not user.has_perm(perm), perm


@pytest.mark.parametrize("role", ["registrar", "handler", "leader"])
def test_the_content_check_sees_petition_permissions(district, role):
    # The check above can fail: staff roles do hold content permissions.
    assert "cases.view_case" in content_permissions(account(role, district))


def test_three_admin_duties_are_separate(district):
    """System admin: units and calendar; security admin: accounts; audit admin: the audit log only."""
    held = {role: account(role, district).get_all_permissions() for role in User.Role.values}
    assert "accounts.change_unit" in held["system_admin"]
    assert "accounts.change_user" in held["security_admin"]
    assert held["audit_admin"] == {"core.view_auditentry"}
    assert [r for r, p in held.items() if "core.view_auditentry" in p] == ["audit_admin"]
    assert [r for r, p in held.items() if "accounts.change_user" in p] == ["security_admin"]
    assert "accounts.change_user" not in held["system_admin"]
    assert "accounts.change_unit" not in held["security_admin"]


def test_workflow_permissions_follow_the_duties(district):
    held = {role: account(role, district).get_all_permissions() for role in User.Role.values}
    assert {r for r, p in held.items() if "cases.route_case" in p} == {"officer"}
    assert {r for r, p in held.items() if "cases.register_case" in p} == {"registrar", "officer"}
    assert {r for r, p in held.items() if "cases.handle_case" in p} == {"handler", "unit_head"}
    # 信访工作条例 Art. 34: an extension needs the head's approval.
    assert {r for r, p in held.items() if "cases.approve_extension" in p} == {"unit_head"}
    # A leader reads cases and handles none (their other permissions are other apps': exports, governance,
    # grassroots).
    assert {p for p in held["leader"] if p.startswith("cases.")} == {"cases.view_case"}


def test_roles_sync_puts_drifted_groups_back(db):
    group = Group.objects.get(name="role:handler")
    foreign = Group.objects.get(name="role:audit_admin").permissions.get()
    group.permissions.add(foreign)
    group.permissions.remove(*group.permissions.filter(codename="handle_case"))
    assert roles_sync() is True
    assert perms_of_group("handler") == set(ROLE_PERMISSIONS["handler"])
    assert perms_of_group("audit_admin") == {"core.view_auditentry"}


# --- One role per account ----------------------------------------------------------------------------------

def test_user_create_gives_one_role_and_its_group(district):
    user = user_create(username="zhang", role=User.Role.HANDLER, unit=district["housing"],
                       password="correct-horse-battery", full_name="张伟")
    user = fresh(user)
    assert (user.role, user.unit, user.full_name) == ("handler", district["housing"], "张伟")
    assert list(user.groups.values_list("name", flat=True)) == ["role:handler"]
    assert user.check_password("correct-horse-battery")
    assert (user.is_superuser, user.is_staff) == (False, False)
    actions = list(AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
                   .values_list("action", flat=True))
    assert actions == ["user.role_change", "user.create"]


def test_without_a_password_the_account_cannot_log_in(district):
    assert not fresh(user_create(username="nopass", role=User.Role.LEADER)).has_usable_password()


def test_changing_the_role_replaces_group_permissions_and_scope(personas, district):
    officer = personas["officer"]
    assert officer.has_perm("cases.route_case")
    changed = user_set_role(user=officer, role=User.Role.HANDLER, unit=district["hr"], actor=personas["security_admin"])
    # The instance handed back answers for the new role, as does the next load.
    assert not changed.has_perm("cases.route_case")
    assert changed.has_perm("cases.handle_case")
    officer = fresh(officer)
    assert list(officer.groups.values_list("name", flat=True)) == ["role:handler"]
    assert not officer.has_perm("cases.route_case")
    assert officer.get_all_permissions() == set(ROLE_PERMISSIONS["handler"])
    entry = AuditEntry.objects.filter(action="user.role_change", object_id=str(officer.pk)).last()
    assert entry.detail == {"from": "officer", "to": "handler", "unit": "MH-RSJ"}
    assert entry.username == "secadmin"


def test_set_role_clears_a_superuser_flag_and_sets_staff_for_admins_only(personas):
    user = personas["leader"]
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    user = user_set_role(user=fresh(user), role=User.Role.SYSTEM_ADMIN, unit=None)
    assert (fresh(user).is_superuser, fresh(user).is_staff) == (False, True)
    user = user_set_role(user=user, role=User.Role.LEADER, unit=None)
    assert (fresh(user).is_superuser, fresh(user).is_staff) == (False, False)


def test_unknown_role_is_refused_and_nothing_changes(personas):
    handler = personas["handler"]
    with pytest.raises(ValidationFailed) as refused:
        user_set_role(user=handler, role="superuser", unit=None)
    assert "role" in refused.value.errors
    handler = fresh(handler)
    assert (handler.role, handler.unit_id) == ("handler", personas["head"].unit_id)
    assert list(handler.groups.values_list("name", flat=True)) == ["role:handler"]


@pytest.mark.parametrize("role", sorted(UNIT_ROLES))
def test_unit_roles_need_a_unit(personas, role):
    with pytest.raises(ValidationFailed) as refused:
        user_set_role(user=personas["registrar"], role=role, unit=None)
    assert "unit" in refused.value.errors
    assert fresh(personas["registrar"]).role == "registrar"
    with pytest.raises(ValidationFailed):
        user_create(username="lonely", role=role)
    # The half-made account went with the failed transaction.
    assert not User.objects.filter(username="lonely").exists()


def test_duplicate_username_is_refused(personas):
    with pytest.raises(ValidationFailed) as refused:
        user_create(username="handler", role=User.Role.LEADER)
    assert "username" in refused.value.errors
    assert fresh(personas["handler"]).role == "handler"


# --- xinfang createuser ------------------------------------------------------------------------------------

def createuser(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    out = io.StringIO()
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("createuser", *args, stdout=out)
    return out.getvalue()


def test_createuser_makes_a_unit_account(district):
    output = createuser("--username", "li", "--role", "handler", "--unit", "MH-FGJ", "--full-name", "李娜")
    assert output.strip() == "created li (handler, MH-FGJ)"
    user = User.objects.get(username="li")
    assert (user.role, user.unit, user.full_name) == ("handler", district["housing"], "李娜")
    assert list(user.groups.values_list("name", flat=True)) == ["role:handler"]
    assert not user.has_usable_password()


@pytest.mark.parametrize("role", ADMINS)
def test_createuser_makes_an_admin(db, role):
    output = createuser("--username", "adm", "--role", role, "--password", "a-long-enough-pass")
    assert output.strip() == f"created adm ({role})"
    user = User.objects.get(username="adm")
    assert (user.role, user.unit, user.is_staff, user.is_superuser) == (role, None, True, False)
    assert user.check_password("a-long-enough-pass")


def test_createuser_reads_the_password_from_stdin(district, monkeypatch):
    createuser("--username", "wang", "--role", "officer", "--unit", "MH-XFB", "--password-stdin",
               stdin="from-stdin-secret\n", monkeypatch=monkeypatch)
    assert User.objects.get(username="wang").check_password("from-stdin-secret")


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "boss"], "invalid choice: 'boss'"),
    (["--role", "handler", "--unit", "NOPE"], "unknown unit code: NOPE"),
    (["--role", "handler"], "必须指定所属单位"),
    (["--role", "unit_head", "--unit", "MH-FGJ", "--password", "short"], "at least 12 characters"),
])
def test_createuser_refuses_bad_input_and_creates_nothing(district, args, message):
    users, audits = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(CommandError) as refused:
        createuser("--username", "zhao", *args)
    assert message in str(refused.value)
    assert not User.objects.filter(username="zhao").exists()
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, audits)


def test_createuser_refuses_an_existing_username(personas):
    with pytest.raises(CommandError) as refused:
        createuser("--username", "officer", "--role", "leader")
    assert "用户名已存在" in str(refused.value)
    assert User.objects.get(username="officer").role == "officer"


# --- xinfang token -----------------------------------------------------------------------------------------

def token(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_token_create_prints_the_token_alone_and_it_works(personas):
    output = token("create", "officer")
    key = Token.objects.get(user=personas["officer"]).key
    # Nothing but the key, so `$(xinfang token create U)` can be used in a script.
    assert output == f"{key}\n"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/cases/").status_code == 200
    [entry] = AuditEntry.objects.filter(action="token.create", object_id=str(personas["officer"].pk))
    # The secret itself is never written to the log.
    assert key not in f"{entry.detail} {entry.object_id} {entry.username}"


def test_a_new_token_replaces_the_old(personas):
    first = token("create", "handler").strip()
    second = token("create", "handler").strip()
    assert first != second
    assert list(Token.objects.filter(user=personas["handler"]).values_list("key", flat=True)) == [second]


def test_token_revoke(personas):
    key = token("create", "handler").strip()
    assert token("revoke", "handler").strip() == "revoked the token of handler"
    assert not Token.objects.filter(user=personas["handler"]).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/cases/").status_code == 401
    assert AuditEntry.objects.filter(action="token.revoke", object_id=str(personas["handler"].pk)).count() == 1


def test_token_for_an_unknown_or_inactive_user_is_refused(personas):
    with pytest.raises(CommandError, match="no active user ghost"):
        token("create", "ghost")
    User.objects.filter(pk=personas["leader"].pk).update(is_active=False)
    with pytest.raises(CommandError, match="no active user leader"):
        token("create", "leader")
    assert not Token.objects.exists()


def test_token_refuses_an_unknown_action(personas):
    with pytest.raises(CommandError, match="invalid choice"):
        token("show", "officer")
