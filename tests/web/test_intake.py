"""The intake screen (登记, issue 3): one page for every channel, petitioner look-up with earlier and open
matters (信访工作条例 Art. 19 ¶3), group visits (≤ 5 representatives, Art. 20), allow-listed attachments
written with the case or not at all (SECURITY.md 10, 14), and ID numbers never in a URL (SECURITY.md 5)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import VALID_ID, VALID_ID_2
from xinfang.cases.models import (
    Case,
    CaseAccused,
    CaseDeadline,
    CaseDocument,
    CasePetitioner,
    CategoryStreetRoute,
    Petitioner,
)
from xinfang.cases.services import PetitionerInput, case_register
from xinfang.cases.services.registration import query_code_normalize
from xinfang.cases.views.intake import _case_url
from xinfang.core.crypto import token_hash
from xinfang.core.models import AuditEntry

# tests/conftest.py's VALID_ID_2 fails the GB 11643 check (its check code is 7, not X): used as a wrong one.
OTHER_ID = "310112198506120027"
INTAKE = "/cases/new/"
LOOKUP = "/cases/new/lookup/"
CODE_RE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def registrar(client, personas):
    client.force_login(personas["registrar"])
    return client


def _received(hours_ago: float = 1) -> str:
    return timezone.localtime(timezone.now() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def _people(prefix: str, people: list[dict[str, str]]) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(people)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, person in enumerate(people):
        for key in ("name", "id_number", "phone", "address"):
            data[f"{prefix}-{index}-{key}"] = person.get(key, "")
    return data


def petition(categories, *, petitioners=None, representatives=(), **overrides):
    """The POST body of a valid petition, changed by ``overrides``."""
    data = {
        "channel": "visit",
        "received_at": _received(),
        "matter_type": "claim",
        "title": "小区电梯长期停运",
        "content": "本人住在江川路某小区12号楼，电梯停运三个月，物业一直不修，请求督促维修。",
        "category": str(categories["property"].pk),
        "street": "",
        "group_size": "1",
        "accused_persons": "",
    }
    if petitioners is None:
        petitioners = [{"name": "张三", "id_number": VALID_ID, "phone": "13800138000", "address": "江川路100弄"}]
    data.update(_people("petitioners", petitioners))
    data.update(_people("representatives", list(representatives)))
    data.update(overrides)
    return data


def _files(media: Path) -> list[Path]:
    return [p for p in Path(media).rglob("*") if p.is_file()] if Path(media).exists() else []


def _earlier_case(personas, categories, *, id_number=VALID_ID, title="小区电梯长期停运", **kwargs):
    return case_register(
        actor=personas["registrar"], channel="letter", received_at=timezone.now() - timedelta(days=3),
        matter_type=kwargs.pop("matter_type", "claim"), title=title,
        content=kwargs.pop("content", "电梯停运三个月，物业不修，请求督促维修。"),
        petitioners=[PetitionerInput(name=kwargs.pop("name", "张三"), id_number=id_number,
                                     phone=kwargs.pop("phone", "13800138000"))],
        category=kwargs.pop("category", categories["property"]), **kwargs,
    ).case


# --- the page --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["registrar", "officer"])
def test_page_renders_for_those_who_register(client, personas, categories, persona):
    client.force_login(personas[persona])
    page = client.get(INTAKE)
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("channel", "received_at", "matter_type", "title", "content", "category", "street", "group_size",
                 "accused_units", "accused_persons", "attachments", "petitioners-0-name", "petitioners-0-id_number",
                 "lookup-id_number", "lookup-phone", "lookup-name"):
        assert f'name="{name}"' in html, name
        assert f'for="id_{name}"' in html, name
    assert 'type="datetime-local"' in html and 'enctype="multipart/form-data"' in html
    assert "住房保障" in html and "江川路街道" in html
    # CSP: no inline script, style attribute or event handler.
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html
    assert page["Cache-Control"] == "no-store"


def test_page_refused_to_a_unit_handler_and_anonymous(client, personas):
    client.force_login(personas["handler"])
    assert client.get(INTAKE).status_code == 403
    assert client.post(LOOKUP, {"lookup-id_number": VALID_ID}).status_code == 403
    assert client.get("/cases/new/suggested-unit/").status_code == 403
    client.logout()
    response = client.get(INTAKE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- registering -----------------------------------------------------------------------------------


def test_valid_petition_registers_one_case_and_shows_the_query_code_once(registrar, categories, personas):
    response = registrar.post(INTAKE, petition(categories))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert Case.objects.count() == 1 and CasePetitioner.objects.count() == 1
    assert case.status == Case.Status.REGISTERED and case.registered_by == personas["registrar"]
    assert case.channel == "visit" and case.category == categories["property"]
    assert CaseDeadline.objects.filter(case=case, kind="route_by").exists()  # Art. 22
    assert response["Location"] == _case_url(case)  # the case page once it exists
    assert VALID_ID not in response["Location"]
    shown = registrar.get(INTAKE).content.decode()
    assert case.number in shown
    code = CODE_RE.search(shown)
    assert code, "the query code is shown"
    assert token_hash(query_code_normalize(code.group(1))) == case.query_code_hash
    # Shown only once: the next page no longer carries it.
    assert code.group(1) not in registrar.get(INTAKE).content.decode()


def test_received_at_is_read_in_shanghai_time(registrar, categories):
    response = registrar.post(INTAKE, petition(categories, received_at="2026-01-05T09:30"))
    assert response.status_code == 302
    received = timezone.localtime(Case.objects.get().received_at)
    assert (received.hour, received.minute, str(received.tzinfo)) == (9, 30, "Asia/Shanghai")


def _refused(response, *needles):
    html = response.content.decode()
    assert response.status_code == 400, html[:500]
    for needle in needles:
        assert needle in html, needle
    assert Case.objects.count() == 0 and CaseDocument.objects.count() == 0
    return html


def test_wrong_check_digit_is_shown_next_to_the_field_and_keeps_what_was_typed(registrar, categories):
    html = _refused(registrar.post(INTAKE, petition(categories, petitioners=[
        {"name": "张三", "id_number": VALID_ID_2}])), "身份证号码校验位不正确（GB 11643）")
    assert 'id="id_petitioners-0-id_number_error"' in html
    assert "小区电梯长期停运" in html and "电梯停运三个月" in html and 'value="张三"' in html


def test_missing_title_is_refused(registrar, categories):
    html = _refused(registrar.post(INTAKE, petition(categories, title="   ")), "请填写标题。")
    assert 'id="id_title_error"' in html


def test_at_least_one_petitioner(registrar, categories):
    _refused(registrar.post(INTAKE, petition(categories, petitioners=[{"name": ""}])), "请填写姓名。")


def test_six_representatives_are_refused_with_article_20(registrar, categories):
    reps = [{"name": f"代表{i}", "id_number": ""} for i in range(6)]
    _refused(registrar.post(INTAKE, petition(categories, group_size="40", representatives=reps)),
             "多人走访推选的代表不能超过5人（《信访工作条例》第二十条）")


def test_group_visit_needs_representatives(registrar, categories):
    _refused(registrar.post(INTAKE, petition(categories, group_size="30")), "多人走访应当推选代表")


def test_group_visit_with_representatives_is_registered(registrar, categories):
    reps = [{"name": "李四", "id_number": OTHER_ID, "phone": "13900139000"}, {"name": "王五"}, {"name": "赵六"}]
    response = registrar.post(INTAKE, petition(categories, group_size="30", representatives=reps))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.group_size == 30
    links = list(case.case_petitioners.order_by("position"))
    assert [link.is_representative for link in links] == [False, True, True, True]


def test_future_received_at_is_refused(registrar, categories):
    _refused(registrar.post(INTAKE, petition(categories, received_at=_received(hours_ago=-2))), "收到时间不能晚于现在。")


def test_accused_only_for_accusations_and_claims(registrar, categories, district):
    _refused(registrar.post(INTAKE, petition(categories, matter_type="suggestion",
                                             accused_units=[str(district["housing"].pk)])),
             "只有检举控告或申诉求决事项可以填写被反映单位或个人。")


def test_accusation_records_accused_units_and_persons(registrar, categories, district):
    response = registrar.post(INTAKE, petition(
        categories, matter_type="accusation", accused_units=[str(district["housing"].pk)],
        accused_persons="王某，物业科科长\n陈某"))
    assert response.status_code == 302
    accused = CaseAccused.objects.filter(case=Case.objects.get())
    assert {(a.unit_id, a.name, a.position) for a in accused} == {
        (district["housing"].pk, "", ""), (None, "王某", "物业科科长"), (None, "陈某", "")}


# --- attachments -----------------------------------------------------------------------------------


def test_allowed_attachments_are_stored_under_generated_names(registrar, categories, _media):
    files = [SimpleUploadedFile("来信原件.pdf", PDF, "application/pdf"),
             SimpleUploadedFile("现场照片.PNG", PNG, "image/png"),
             SimpleUploadedFile("合同.docx", _docx(), "application/octet-stream"),
             SimpleUploadedFile("说明.txt", "电梯停运情况说明".encode(), "text/plain")]
    response = registrar.post(INTAKE, {**petition(categories), "attachments": files})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    documents = list(CaseDocument.objects.filter(case=case).order_by("id"))
    assert [d.original_name for d in documents] == ["来信原件.pdf", "现场照片.PNG", "合同.docx", "说明.txt"]
    for document in documents:
        assert document.kind == CaseDocument.Kind.ATTACHMENT and document.public is False
        assert re.fullmatch(rf"cases/{case.pk}/[0-9a-f]{{32}}", document.file.name), document.file.name
    assert documents[0].file.read() == PDF
    assert len(_files(_media)) == 4
    assert case.events.filter(action="attachments_added").exists()


def test_exe_renamed_pdf_is_refused_and_nothing_is_registered(registrar, categories, _media):
    fake = SimpleUploadedFile("材料.pdf", EXE, "application/pdf")
    _refused(registrar.post(INTAKE, {**petition(categories), "attachments": [fake]}), "内容与扩展名不符",
             "本次提交未保存任何附件，请重新选择：材料.pdf")
    assert _files(_media) == [] and Petitioner.objects.count() == 0


def test_disallowed_extension_is_refused(registrar, categories):
    script = SimpleUploadedFile("run.exe", EXE, "application/octet-stream")
    _refused(registrar.post(INTAKE, {**petition(categories), "attachments": [script]}), "文件类型不允许")


def test_docx_with_macros_is_refused(registrar, categories):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", "macro")
    doc = SimpleUploadedFile("宏.docx", buffer.getvalue())
    _refused(registrar.post(INTAKE, {**petition(categories), "attachments": [doc]}), "内容与扩展名不符")


def test_oversize_attachment_is_refused(registrar, categories, settings):
    settings.XINFANG = {**settings.XINFANG, "UPLOAD_MAX_BYTES": 1024}
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * 2048, "application/pdf")
    _refused(registrar.post(INTAKE, {**petition(categories), "attachments": [big]}), "超过大小上限")


def test_too_many_attachments_are_refused(registrar, categories, settings):
    settings.XINFANG = {**settings.XINFANG, "UPLOAD_MAX_FILES": 2}
    files = [SimpleUploadedFile(f"{i}.pdf", PDF, "application/pdf") for i in range(3)]
    _refused(registrar.post(INTAKE, {**petition(categories), "attachments": files}), "最多上传2个附件")


def test_failure_after_the_files_are_written_leaves_neither_rows_nor_files(registrar, categories, _media,
                                                                          monkeypatch):
    from xinfang.cases.services import attachments

    def broken(**kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(attachments, "case_event_append", broken)
    registrar.raise_request_exception = False
    response = registrar.post(INTAKE, {**petition(categories),
                                       "attachments": [SimpleUploadedFile("a.pdf", PDF, "application/pdf")]})
    assert response.status_code == 500
    assert Case.objects.count() == 0 and CaseDocument.objects.count() == 0 and Petitioner.objects.count() == 0
    assert _files(_media) == []


# --- look-up and repeat petitions -----------------------------------------------------------------


def _lookup(client, **keys):
    data = {f"lookup-{key}": value for key, value in keys.items()}
    return client.post(LOOKUP, data, HTTP_HX_REQUEST="true")


def test_lookup_by_id_shows_the_open_matter_masked_and_linking_ends_linked(registrar, personas, categories):
    earlier = _earlier_case(personas, categories)
    response = _lookup(registrar, id_number=VALID_ID)
    assert response.status_code == 200
    html = response.content.decode()
    assert earlier.number in html and "正在办理的事项" in html
    assert f'name="link_to" value="{earlier.pk}"' in html
    assert "110101********4514" in html and "138****8000" in html
    assert VALID_ID not in html and "13800138000" not in html
    assert "<html" not in html  # a fragment
    entry = AuditEntry.objects.filter(action="petitioner.lookup").latest("id")
    assert VALID_ID not in str(entry.detail) and entry.detail["found"] == 1

    # A different text, so only the registrar's choice links it (not the similarity rule).
    response = registrar.post(INTAKE, petition(categories, title="再次反映", content="还是没有人来处理。",
                                               link_to=str(earlier.pk)))
    assert response.status_code == 302
    second = Case.objects.exclude(pk=earlier.pk).get()
    assert second.status == Case.Status.LINKED and second.repeat_of_id == earlier.pk
    assert earlier.events.filter(action="repeat_received").exists()
    assert "并入" in registrar.get(INTAKE).content.decode()


def test_different_matter_opens_a_new_case_and_is_audited(registrar, personas, categories):
    earlier = _earlier_case(personas, categories)
    response = registrar.post(INTAKE, petition(categories, link_to="new"))  # same text: would be linked
    assert response.status_code == 302
    second = Case.objects.exclude(pk=earlier.pk).get()
    assert second.status == Case.Status.REGISTERED and second.repeat_of_id is None
    entry = AuditEntry.objects.filter(action="case.create", object_id=str(second.pk)).get()
    assert entry.detail["force_new"] is True


def test_without_a_choice_the_similar_open_matter_is_linked(registrar, personas, categories):
    earlier = _earlier_case(personas, categories)
    assert registrar.post(INTAKE, petition(categories)).status_code == 302
    assert Case.objects.exclude(pk=earlier.pk).get().status == Case.Status.LINKED


def test_link_to_a_case_outside_the_scope_is_refused(registrar, personas, categories, district):
    hidden = _earlier_case(personas, categories, matter_type="accusation", accused_units=[district["bureau"]])
    html = _refused_keep(registrar.post(INTAKE, petition(categories, link_to=str(hidden.pk))))
    assert "未找到要并入的原信访事项" in html


def _refused_keep(response):
    assert response.status_code == 400
    return response.content.decode()


def test_lookup_never_shows_cases_outside_the_users_scope(registrar, personas, categories, district):
    # An accusation against the registrar's own unit (信访工作条例 Art. 30 ¶3): invisible to them.
    hidden = _earlier_case(personas, categories, id_number=OTHER_ID, name="李四", phone="13900139000",
                           matter_type="accusation", title="举报信访办工作人员", content="举报内容",
                           accused_units=[district["bureau"]])
    visible = _earlier_case(personas, categories)
    html = _lookup(registrar, id_number=OTHER_ID).content.decode()
    assert hidden.number not in html and "李四" not in html and "未找到您可查看的既往信访记录" in html
    html = _lookup(registrar, name="张三").content.decode()
    assert visible.number in html and hidden.number not in html
    # The officer of the same bureau is barred from the accusation as well; the page shows nothing of it.
    registrar.force_login(personas["officer"])
    assert hidden.number not in _lookup(registrar, phone="13900139000").content.decode()


def test_lookup_by_phone_and_by_name(registrar, personas, categories):
    earlier = _earlier_case(personas, categories)
    assert earlier.number in _lookup(registrar, phone="138 0013 8000").content.decode()
    assert earlier.number in _lookup(registrar, name="张三").content.decode()
    assert earlier.number not in _lookup(registrar, name="张三", phone="13900139000").content.decode()


def test_lookup_errors_are_clear_and_in_the_fragment(registrar, categories):
    html = _lookup(registrar, id_number=VALID_ID[:-1] + "0").content.decode()
    assert "身份证号码校验位不正确" in html
    html = _lookup(registrar).content.decode()
    assert "请至少填写身份证号、电话或姓名中的一项。" in html


def test_lookup_is_post_only_and_no_url_carries_an_id_number(registrar, personas, categories):
    _earlier_case(personas, categories)
    assert registrar.get(LOOKUP, {"lookup-id_number": VALID_ID}).status_code == 405
    # Without htmx the look-up button posts the whole page: results shown, typed values kept, no errors yet.
    page = registrar.post(INTAKE, {**petition(categories, title=""), "action": "lookup",
                                   "lookup-id_number": VALID_ID})
    html = page.content.decode()
    assert page.status_code == 200 and "正在办理的事项" in html and "请填写标题。" not in html
    assert 'value="江川路100弄"' in html
    page = registrar.post(LOOKUP, {"lookup-id_number": VALID_ID, **petition(categories)})
    assert page.status_code == 200 and "<html" in page.content.decode() and "正在办理的事项" in page.content.decode()
    urls = re.findall(r'(?:href|action|hx-get|hx-post|src)="([^"]*)"', html)
    assert urls and not any(VALID_ID in url or VALID_ID[:6] + "1990" in url for url in urls)
    response = registrar.post(INTAKE, petition(categories, link_to="new"))
    assert VALID_ID not in response["Location"]


def test_lookup_results_are_kept_when_the_petition_is_refused(registrar, personas, categories):
    earlier = _earlier_case(personas, categories)
    html = _refused_keep(registrar.post(INTAKE, petition(categories, title="", link_to=str(earlier.pk),
                                                         **{"lookup-id_number": VALID_ID})))
    assert f'value="{earlier.pk}" checked' in html


# --- fragments -------------------------------------------------------------------------------------


def test_suggested_unit_follows_category_and_street(registrar, categories, district):
    url = "/cases/new/suggested-unit/"
    html = registrar.get(url, {"category": categories["housing"].pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "区房管局" in html and "按分类默认" in html
    CategoryStreetRoute.objects.create(category=categories["housing"], street=district["street"],
                                       unit=district["street"])
    html = registrar.get(url, {"category": categories["housing"].pk, "street": district["street"].pk}).content.decode()
    assert "江川路街道" in html and "属地" in html
    assert "选择内容分类后显示" in registrar.get(url, {"category": "x"}).content.decode()


def test_added_rows_and_the_limit_of_five_representatives(registrar, categories):
    html = registrar.get("/cases/new/row/representatives/", {"representatives-TOTAL_FORMS": "2"}).content.decode()
    assert 'name="representatives-2-name"' in html and 'value="3"' in html and 'hx-swap-oob="true"' in html
    html = registrar.get("/cases/new/row/representatives/", {"representatives-TOTAL_FORMS": "5"}).content.decode()
    assert "代表不能超过5人" in html and "representatives-5-name" not in html
    assert registrar.get("/cases/new/row/other/").status_code == 404
