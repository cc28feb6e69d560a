"""The main journeys of issue 3 ("Quality") in headless Chromium, through the real pages:

1. a citizen submits online (phone) → the officer routes → the handler accepts, the head extends, the
   handler replies and downloads the .docx → the citizen tracks and rates 不满意 → the officer sees it;
2. a registrar registers a group visit, then links a repeat petition to it after the look-up;
3. a handler of another unit can neither open the case nor find it;
4. keyboard only: every field of the intake and portal forms is reachable by Tab, visibly focused and
   labelled; the portal form is filled and sent with the keyboard alone.

The clock is frozen (``clock_at``) so that dates, days left and screenshots stay the same from run to run;
the screenshots of the main pages go to ``docs/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import docx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, screenshot
from tests.conftest import VALID_ID, at
from xinfang.cases import services
from xinfang.cases.models import Case, CaseRating
from xinfang.core.clock import clock_at

NOW = "2026-11-20 10:00"  # a Friday
TITLE = "小区电梯长期故障"
CONTENT = "江川路某小区3号楼电梯已经坏了三个月，物业一直不处理，老人上下楼很困难，请有关部门督促解决。"
REPLY = ("经核查，该小区3号楼电梯因主板老化停运。本局已约谈物业服务企业，责令其于十日内完成维修，"
         "维修费用按规定从专项维修资金中列支。")
EXTEND_REASON = "需要组织电梯检测机构现场检测，并征求业主意见。"
PHONE = "13812345678"
CODE_RE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock_at(at(NOW)):
        yield


def sign_in(page: Any, username: str) -> None:
    """Sign in as another person in the same browser context (the previous session is dropped). Like
    conftest's ``login``, without waiting for the network to idle: the signed-in frame is enough."""
    page.context.clear_cookies()
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".who")).to_contain_text(username)


def act(page: Any, name: str, fill: dict[str, str], *, submit: str, done: str,
        select: dict[str, str] | None = None) -> None:
    """Open the action ``name`` of the case page, fill it by its labels, submit, wait for the message."""
    action = page.locator(f"#action-{name}")
    action.locator("summary").click()
    for label, value in (select or {}).items():
        action.get_by_label(label, exact=True).select_option(label=value)
    for label, value in fill.items():
        action.get_by_label(label, exact=True).fill(value)
    action.get_by_role("button", name=submit, exact=True).click()
    expect(page.locator(".messages")).to_contain_text(done)


def open_row(page: Any, title: str) -> None:
    row = page.locator("table.cases tbody tr", has_text=title)
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    expect(page.locator(".case-head h1")).to_have_text(title)


def current_queue(page: Any) -> Any:
    return page.locator("nav.counts a[aria-current]")


# --- 1. online petition → route → accept → extend → reply → track → rate → dissatisfied inbox --------------


def test_citizen_to_reply_and_dissatisfied_rating(page, phone, personas, categories, tmp_path):
    # The portal's front page (desktop).
    page.goto(f"{page.base}/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("网上信访 · 人民建议征集")
    screenshot(page, "portal-home")

    # A citizen on a phone submits an online petition.
    phone.goto(f"{phone.base}/portal/")
    phone.get_by_role("link", name=re.compile("提交信访事项")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("提交信访事项")
    phone.get_by_label("申诉求决", exact=True).check()
    phone.get_by_label("标题", exact=True).fill(TITLE)
    phone.get_by_label("内容", exact=True).fill(CONTENT)
    phone.get_by_label("问题分类（可不选）", exact=True).select_option(label="住房保障")
    phone.get_by_label("所在街道（镇）（可不选）", exact=True).select_option(label="江川路街道")
    phone.get_by_label("姓名", exact=True).fill("张三")
    phone.get_by_label("居民身份证号码", exact=True).fill(VALID_ID)
    phone.get_by_label("联系电话", exact=True).fill(PHONE)
    phone.get_by_label("通讯地址", exact=True).fill("上海市闵行区江川路100弄3号")
    phone.get_by_label(re.compile("^我已阅读上述《个人信息保护告知》")).check()
    screenshot(phone, "portal-submit")
    phone.get_by_role("button", name="提交", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("提交成功")
    code = phone.locator(".query-code").inner_text().strip()
    assert CODE_RE.match(code), code
    case = Case.objects.get(title=TITLE)
    assert case.channel == Case.Channel.ONLINE and case.status == Case.Status.REGISTERED

    # The officer finds it in the bureau's inbox (to route) and routes it to 区房管局.
    sign_in(page, "officer")
    expect(current_queue(page)).to_contain_text("待转送交办")
    expect(current_queue(page).locator(".n")).to_have_text("1")
    expect(page.locator("#queue-title")).to_have_text("待转送交办")
    expect(page.locator("table.cases tbody tr", has_text=TITLE)).to_contain_text("张三")
    screenshot(page, "inbox-bureau")
    open_row(page, TITLE)
    case_url = page.url
    act(page, "route", {"附言": "请依法受理并按期答复。"}, select={"承办单位": "区房管局"},
        submit="转送交办", done="已转送交办。")
    expect(page.locator(".case-head .badge")).to_have_text("待受理")

    # The handler of 区房管局 finds it to accept, and accepts.
    sign_in(page, "handler")
    expect(current_queue(page)).to_contain_text("待受理")
    expect(page.locator("table.cases tbody tr", has_text=TITLE)).to_have_count(1)
    screenshot(page, "inbox-unit")
    open_row(page, TITLE)
    act(page, "accept", {"备注": "已联系信访人，约定现场查看。"}, submit="受理并出具受理告知书",
        done="已受理，受理告知书已生成。")
    expect(page.locator(".case-head .badge")).to_have_text("办理中")
    # A handler may not extend: that needs the unit head (Art. 34).
    expect(page.locator("#action-extend")).to_have_count(0)

    # The unit head extends by 30 days, with a reason.
    sign_in(page, "head")
    page.goto(case_url)
    act(page, "extend", {"延长天数": "30", "延期理由": EXTEND_REASON}, submit="批准延期并出具延期告知书",
        done="办理期限已延长，延期告知书已生成。")
    expect(page.locator("#action-extend")).to_have_count(0)  # once only
    expect(page.locator("ul.documents")).to_contain_text("延期告知书")

    # The handler replies (解释说明, own text) and downloads the reply opinion.
    sign_in(page, "handler")
    page.goto(case_url)
    act(page, "reply", {"处理意见书正文": REPLY}, select={"处理意见": "解释说明"},
        submit="签发处理意见书", done="处理意见书已签发。")
    expect(page.locator(".case-head .badge")).to_have_text("已答复")
    with page.expect_download() as download_info:
        page.locator("ul.documents").get_by_role("link", name="处理意见书", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    saved = tmp_path / "reply.docx"
    download.save_as(saved)
    paragraphs = [p.text for p in docx.Document(str(saved)).paragraphs]
    assert paragraphs[0] == "处理意见书", paragraphs[:3]
    assert "张三：" in paragraphs and REPLY in "\n".join(paragraphs)

    # The citizen tracks with the code, sees the reply and rates it 不满意.
    phone.goto(f"{phone.base}/portal/track/")
    phone.get_by_label("查询码", exact=True).fill(code.lower().replace("-", ""))  # typed loosely
    phone.get_by_role("button", name="查询", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("办理进度")
    expect(phone.locator("dl.facts .badge")).to_have_text("已答复")
    reply_document = phone.locator("article.document", has_text="处理意见书")
    expect(reply_document).to_contain_text("本局已约谈物业服务企业")
    screenshot(phone, "portal-track")
    phone.get_by_label("不满意", exact=True).check()
    phone.get_by_role("button", name="提交评价", exact=True).click()
    expect(phone.locator(".messages")).to_contain_text("感谢您的评价，已记录。")
    assert CaseRating.objects.get(case=case).rating == CaseRating.Rating.DISSATISFIED

    # The officer sees it among the dissatisfied ratings.
    sign_in(page, "officer")
    page.locator("nav.counts a", has_text="不满意待跟进").click()
    expect(current_queue(page)).to_contain_text("不满意待跟进")
    expect(page.locator("#queue-title")).to_have_text("不满意待跟进")
    expect(current_queue(page).locator(".n")).to_have_text("1")
    open_row(page, TITLE)
    expect(page.locator("ul.ratings")).to_contain_text("不满意")
    screenshot(page, "case-page")


# --- 2. group visit, then a repeat petition linked to it --------------------------------------------------

GROUP_TITLE = "小区加装电梯施工扰民"
GROUP_CONTENT = ("江川路某小区加装电梯工程夜间施工，噪声严重影响休息，十余户居民多次向施工方反映无果，"
                 "请求责令施工方停止夜间施工并公开施工方案。")
REPEAT_TITLE = "再次反映加装电梯夜间施工问题"
REPEAT_CONTENT = "上次反映后施工方仍在夜间施工，请尽快处理。"


def fill_person(rows: Any, index: int, person: dict[str, str]) -> None:
    row = rows.locator(".person-row").nth(index)
    for label, value in person.items():
        row.get_by_label(label, exact=True).fill(value)


def test_registrar_registers_a_group_visit_and_links_a_repeat(page, personas, categories):
    sign_in(page, "registrar")
    page.get_by_role("link", name="登记", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信访事项登记")
    form = page.locator("#intake-form")
    form.get_by_label("信访渠道", exact=True).select_option(label="来访")
    form.get_by_label("标题", exact=True).fill(GROUP_TITLE)
    form.get_by_label("信访内容", exact=True).fill(GROUP_CONTENT)
    form.get_by_label("内容分类", exact=True).select_option(label="住房保障")
    form.get_by_label("所属街道（镇）", exact=True).select_option(label="江川路街道")
    expect(page.locator("#suggested-unit")).to_contain_text("区房管局")
    petitioners = page.locator("#petitioners-rows")
    fill_person(petitioners, 0, {"姓名": "张三", "身份证号": VALID_ID, "电话": PHONE, "住址": "江川路100弄3号"})
    form.get_by_label("人数", exact=True).fill("12")
    representatives = page.locator("#representatives-rows")
    people = [{"姓名": "李四", "电话": "13900139000"}, {"姓名": "王五"}, {"姓名": "赵六"}]
    for index, person in enumerate(people):
        page.get_by_role("button", name="添加代表").click()
        expect(representatives.locator(".person-row")).to_have_count(index + 1)
        fill_person(representatives, index, person)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记，编号")
    expect(page.locator(".case-head h1")).to_have_text(GROUP_TITLE)
    first = Case.objects.get(title=GROUP_TITLE)
    assert first.group_size == 12 and first.status == Case.Status.REGISTERED
    assert [link.is_representative for link in first.case_petitioners.order_by("position")] == \
        [False, True, True, True]
    facts = page.locator("section[aria-labelledby=h-facts]")
    expect(facts).to_contain_text("来访")
    expect(page.locator("section[aria-labelledby=h-petitioners] .badge", has_text="代表")).to_have_count(3)

    # The same petitioner comes back on the same matter: the look-up shows the open matter.
    page.goto(f"{page.base}/cases/new/")
    lookup = page.locator("#lookup-fields")
    lookup.get_by_label("身份证号", exact=True).fill(VALID_ID)
    lookup.get_by_role("button", name="查询", exact=True).click()
    results = page.locator("#lookup-results")
    expect(results).to_contain_text("正在办理的事项")
    expect(results).to_contain_text("110101********4514")
    assert VALID_ID not in results.inner_html()
    link_choice = results.get_by_label(re.compile(f"并入 {first.number}"))
    link_choice.check()
    form.get_by_label("标题", exact=True).fill(REPEAT_TITLE)
    form.get_by_label("信访内容", exact=True).fill(REPEAT_CONTENT)
    form.get_by_label("内容分类", exact=True).select_option(label="住房保障")
    fill_person(petitioners, 0, {"姓名": "张三", "身份证号": VALID_ID, "电话": PHONE})
    screenshot(page, "intake")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"本次信访已并入 {first.number}")
    expect(page.locator(".case-head h1")).to_have_text(REPEAT_TITLE)
    expect(page.locator(".case-head .badge")).to_have_text("已并案")
    related = page.locator("section[aria-labelledby=h-related]")
    expect(related.get_by_role("link", name=first.number)).to_be_visible()
    expect(related).to_contain_text("原信访事项")
    second = Case.objects.get(title=REPEAT_TITLE)
    assert second.status == Case.Status.LINKED and second.repeat_of_id == first.pk

    # Both appear in the list (the list screenshot).
    page.get_by_role("link", name="查询", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信访事项查询")
    expect(page.locator("table.cases tbody tr")).to_have_count(2)
    screenshot(page, "list")


# --- 3. another unit's handler ------------------------------------------------------------------------------


def test_handler_of_another_unit_cannot_open_or_find_the_case(page, personas, district, categories):
    case = services.case_register(
        actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=at(NOW), matter_type="claim",
        title=TITLE, content=CONTENT, petitioners=[services.PetitionerInput(name="张三", id_number=VALID_ID)],
        category=categories["housing"], street=district["street"],
    ).case
    services.case_route(case=case, unit=district["housing"], mode=Case.RouteMode.TRANSFER, actor=personas["officer"])

    sign_in(page, "other")
    response = page.goto(f"{page.base}/cases/{case.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    assert TITLE not in page.content()

    page.goto(f"{page.base}/cases/")
    for tile in page.locator("nav.counts a .n").all():
        expect(tile).to_have_text("0")
    expect(page.get_by_text(TITLE)).to_have_count(0)

    page.goto(f"{page.base}/cases/list/?number={case.number}")
    expect(page.locator("#results")).to_contain_text("没有符合条件的事项。")
    page.goto(f"{page.base}/cases/list/")
    expect(page.locator("#results")).to_contain_text("共 0 件")


# --- 4. keyboard only ------------------------------------------------------------------------------------

FOCUS_JS = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {id: e.id, tag: e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0,
          inner: !e.matches(":focus")};
}"""


def tab_until(page: Any, selector: str, *, limit: int = 250, on_focus: Any = None) -> list[dict[str, Any]]:
    """Press Tab until the element matching ``selector`` has the focus; return every focus stop. Each stop
    must show a focus outline. ``on_focus(stop)`` may type into the focused field.

    A date input's calendar button is a Tab stop inside the browser's own control: the input is the
    active element but does not match ``:focus``, and the button's ring (app.css, "browser fixes") cannot
    be read from script, so that one stop is not checked here."""
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_JS)
        assert stop["tag"] != "BODY", f"focus left the page after {[s['id'] for s in stops]}"
        if not stop["inner"]:
            assert stop["outline"] != "none" and stop["width"] > 0, f"no visible focus on {stop}"
        stops.append(stop)
        if on_focus is not None:
            on_focus(stop)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} not reached by Tab; stops: {[s['id'] for s in stops]}")


PORTAL_FIELDS = {
    # id → (label, what to type; "" = leave as is)
    "id_matter_type_0": ("申诉求决", ""),
    "id_title": ("标题", "楼道照明损坏"),
    "id_content": ("内容", "江川路100弄3号楼楼道照明损坏一个月，夜间上下楼不安全，请物业尽快修复。"),
    "id_category": ("问题分类（可不选）", ""),
    "id_street": ("所在街道（镇）（可不选）", ""),
    "id_name": ("姓名", "李四"),
    "id_id_number": ("居民身份证号码", VALID_ID),
    "id_phone": ("联系电话", "13900139000"),
    "id_address": ("通讯地址", "上海市闵行区江川路100弄3号"),
    "id_consent": ("我已阅读上述《个人信息保护告知》，同意为办理本事项处理我的个人信息，并单独同意处理我的身份证号码"
                   "（敏感个人信息）。", ""),
}


def test_keyboard_only_intake_and_portal(page, personas, categories):
    # The portal submit form: labelled fields, each reached by Tab, filled and sent with the keyboard.
    page.goto(f"{page.base}/portal/petition/")
    for field_id, (label, _value) in PORTAL_FIELDS.items():
        field = page.get_by_label(label, exact=True)
        expect(field).to_be_visible()
        expect(field).to_have_id(field_id)

    def type_into(stop: dict[str, Any]) -> None:
        entry = PORTAL_FIELDS.get(stop["id"])
        if entry and entry[1]:
            page.keyboard.type(entry[1])
        elif stop["id"] == "id_category":
            page.keyboard.press("ArrowDown")  # the first category
        elif stop["id"] == "id_consent":
            page.keyboard.press("Space")

    stops = tab_until(page, "form.portal-form button[type=submit]", on_focus=type_into)
    reached = {s["id"] for s in stops}
    assert set(PORTAL_FIELDS) <= reached, set(PORTAL_FIELDS) - reached
    assert "id_website" not in reached  # the honeypot stays out of the tab order
    expect(page.get_by_label("问题分类（可不选）", exact=True)).not_to_have_value("")
    expect(page.get_by_label(PORTAL_FIELDS["id_consent"][0], exact=True)).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("提交成功")
    assert Case.objects.get(title="楼道照明损坏").category is not None

    # The intake page: every field labelled and reached by Tab.
    sign_in(page, "registrar")
    page.goto(f"{page.base}/cases/new/")
    lookup = page.locator("#lookup-fields")
    form = page.locator("#intake-form")
    person = page.locator("#petitioners-rows .person-row").first
    labelled = [
        (lookup, "身份证号", "id_lookup-id_number"), (lookup, "电话", "id_lookup-phone"),
        (lookup, "姓名", "id_lookup-name"),
        (form, "信访渠道", "id_channel"), (form, "收到时间", "id_received_at"), (form, "事项类型", "id_matter_type"),
        (form, "标题", "id_title"), (form, "信访内容", "id_content"), (form, "内容分类", "id_category"),
        (form, "所属街道（镇）", "id_street"), (form, "被反映单位", "id_accused_units"),
        (form, "被反映人", "id_accused_persons"),
        (person, "姓名", "id_petitioners-0-name"), (person, "身份证号", "id_petitioners-0-id_number"),
        (person, "电话", "id_petitioners-0-phone"), (person, "住址", "id_petitioners-0-address"),
        (form, "人数", "id_group_size"), (form, "附件", "id_attachments"),
    ]
    for scope, label, field_id in labelled:
        field = scope.get_by_label(label, exact=True)
        expect(field).to_be_visible()
        expect(field).to_have_id(field_id)
    # A representative row added from the keyboard is labelled and reachable too.
    page.get_by_role("button", name="添加代表").focus()
    page.keyboard.press("Enter")
    representative = page.locator("#representatives-rows .person-row")
    expect(representative).to_have_count(1)
    expect(representative.get_by_label("姓名", exact=True)).to_have_id("id_representatives-0-name")
    page.locator("#main").focus()
    stops = tab_until(page, "#intake-form button.primary")
    reached = {s["id"] for s in stops}
    expected = {field_id for _scope, _label, field_id in labelled} | {"id_representatives-0-name"}
    assert expected <= reached, expected - reached
