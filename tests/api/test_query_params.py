"""The readers of query parameters the list endpoints share (xinfang/api/fields.py): absent → the default,
the schema's form → the value, anything else → a 400 naming the parameter."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import QueryDict

from xinfang.api.fields import choice_param, date_param, flag_param
from xinfang.core.errors import ValidationFailed


def _refused(reader, params: str, *args):
    with pytest.raises(ValidationFailed) as caught:
        reader(QueryDict(params), *args)
    return caught.value


def test_date_param():
    assert date_param(QueryDict(""), "from") is None
    assert date_param(QueryDict("from=2026-10-09"), "from") == date(2026, 10, 9)
    for bad in ("from=", "from=2026-13-01", "from=2026-02-30", "from=x", "from=2026-10-09T00:00"):
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
