"""The English catalogue (xinfang/locale/en): complete, compiled, served, and in step with the code.

The msgids are the Chinese texts themselves, so Chinese needs no catalogue; English does. After adding or
changing a user-facing string: `make i18n`, translate the new entries, commit the .po and the .mo.
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import io
import re
import sys
import tokenize
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType
from django.test import Client
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "xinfang" / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# Han ideographs (CJK unified, extension A, compatibility). Full-width punctuation is not counted here.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Where makemessages looks (it is run from the repository root with --ignore=.venv --ignore=tests --ignore=var).
SOURCE_DIRS = [ROOT / "xinfang", ROOT / "config"]
GETTEXT_FUNCTIONS = {
    # name -> (index of msgctxt or None, index of msgid, index of msgid_plural or None), as makemessages
    # passes them to xgettext (its --keyword list plus xgettext's Python defaults).
    "_": (None, 0, None), "gettext": (None, 0, None), "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None), "ngettext": (None, 0, 1), "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None), "pgettext_lazy": (0, 1, None), "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _checker():
    """scripts/i18n_check.py (the parser `make i18n` uses), imported by path: scripts/ is not a package."""
    spec = importlib.util.spec_from_file_location("xinfang_i18n_check", ROOT / "scripts" / "i18n_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


check = _checker()


@pytest.fixture(scope="module")
def entries():
    assert PO.exists(), f"{PO} is missing: run `make i18n`"
    return [entry for entry in check.parse_po(PO) if not entry.obsolete]


def _key(msgctxt: str | None, msgid: str) -> str:
    return msgid if msgctxt is None else f"{msgctxt}\x04{msgid}"


# --- (a) complete ----------------------------------------------------------------------------------


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    assert len(entries) > 100
    header = entries[0]
    assert header.msgid == "" and not header.fuzzy, "the header entry must not be fuzzy"
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert check.problems(entries) == [], "run `.venv/bin/python scripts/i18n_check.py` and translate them"


PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifx]|\{\{.*?\}\}")


def test_translations_keep_the_placeholders_and_leave_no_chinese(entries):
    wrong = []
    for entry in entries[1:]:
        expected = sorted(set(PLACEHOLDER.findall(entry.msgid)))
        for index, text in entry.msgstr.items():
            if sorted(set(PLACEHOLDER.findall(text))) != expected:
                wrong.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
            # The draft marker "〔待填写……〕" is quoted on purpose (it is what the reply text must not contain).
            if HAN.search(text.replace("〔待填写……〕", "")):
                wrong.append(f"Chinese left in msgstr[{index}]: {entry.msgid!r} -> {text!r}")
    assert wrong == []


# --- (b) compiled ----------------------------------------------------------------------------------


def test_the_mo_file_is_compiled_from_the_current_po(entries):
    assert MO.exists(), f"{MO} is missing: run `make i18n` (the .mo is committed; users do not need gettext)"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    expected: dict[object, str] = {}
    for entry in entries[1:]:
        key = _key(entry.msgctxt, entry.msgid)
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(key, index)] = text
    catalog = {key: value for key, value in compiled._catalog.items() if key != ""}  # "" is the header
    stale = sorted(repr(key) for key in expected.keys() ^ catalog.keys())
    changed = sorted(repr(key) for key in expected.keys() & catalog.keys() if expected[key] != catalog[key])
    assert not stale and not changed, (
        f"django.mo does not match django.po (run `make i18n`): entries only in one of them {stale[:5]}, "
        f"different translations {changed[:5]}"
    )
    assert compiled.ngettext("剩余%(n)s天", "剩余%(n)s天", 1) == "%(n)s day left"
    assert compiled.ngettext("剩余%(n)s天", "剩余%(n)s天", 3) == "%(n)s days left"


# --- (c) served --------------------------------------------------------------------------------------


def _main(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "the page has no <main>"
    return match.group(0)


@pytest.mark.parametrize(("path", "english", "chinese"), [
    ("/accounts/login/", "Staff sign-in", "工作人员登录"),
    ("/portal/", "Submit a petition", "提交信访事项"),
])
def test_pages_speak_english_with_the_language_cookie_and_chinese_without(db, settings, path, english, chinese):
    # The product default, pinned here: were the default English, Django would fall back from zh-hans (which
    # has no catalogue of its own, its msgids being Chinese) to the English catalogue.
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    assert chinese in _main(client.get(path).content.decode())

    client.cookies["django_language"] = "en"
    html = client.get(path).content.decode()
    assert '<html lang="en">' in html
    main = _main(html)
    assert english in main
    assert not HAN.findall(main), f"Chinese left in the English {path}: {sorted(set(HAN.findall(main)))}"
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and not HAN.search(title.group(1))

    client.cookies["django_language"] = "zh-hans"
    assert chinese in _main(client.get(path).content.decode())


def test_the_language_switch_turns_the_login_page_english(db, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    assert "工作人员登录" in _main(client.get("/accounts/login/").content.decode())
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and client.cookies["django_language"].value == "en"
    main = _main(client.get("/accounts/login/").content.decode())
    assert "Sign in" in main and not HAN.search(main)


# --- (d) in step with the code ---------------------------------------------------------------------


def _source_files(suffixes: tuple[str, ...]):
    for folder in SOURCE_DIRS:
        for path in sorted(folder.rglob("*")):
            parts = path.relative_to(ROOT).parts
            if path.suffix in suffixes and path.is_file() and not any(p.startswith(".") for p in parts):
                yield path


def _python_msgids(path: Path, unseen: list[tuple[str, str]] | None = None) -> set[str]:
    """The msgids xgettext takes from a module. Translation calls it cannot see go to ``unseen``: calls inside
    f-strings, and calls through an alias it does not know (``from ... import gettext_lazy as _lazy``)."""
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    inside_fstring = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                      for inner in ast.walk(node) if inner is not node}
    aliases = {alias.asname: alias.name for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
               for alias in node.names if alias.asname and alias.asname not in GETTEXT_FUNCTIONS}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        hidden = name in aliases and isinstance(node.func, ast.Name)
        if hidden:
            name = aliases[name]
        if name not in GETTEXT_FUNCTIONS:
            continue
        context_at, msgid_at, _plural_at = GETTEXT_FUNCTIONS[name]
        args = node.args
        if len(args) <= msgid_at or not (isinstance(args[msgid_at], ast.Constant) and isinstance(args[msgid_at].value, str)):
            continue
        context = None
        if context_at is not None:
            if not (isinstance(args[context_at], ast.Constant) and isinstance(args[context_at].value, str)):
                continue
            context = args[context_at].value
        if hidden or id(node) in inside_fstring:
            if unseen is not None:
                unseen.append((_key(context, args[msgid_at].value), f"{path.relative_to(ROOT)}:{node.lineno}"))
            continue
        found.add(_key(context, args[msgid_at].value))
    return found


def _template_msgids(path: Path) -> set[str]:
    """What makemessages extracts from a template: Django's templatize, then the gettext calls it wrote."""
    found = set()
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for line in code.splitlines():
        if "gettext(" not in line and "_(" not in line:
            continue
        try:
            tokens = [t for t in tokenize.generate_tokens(io.StringIO(line.strip()).readline)
                      if t.type in (tokenize.NAME, tokenize.OP, tokenize.STRING)]
        except (tokenize.TokenError, IndentationError, SyntaxError):
            continue
        for i, token in enumerate(tokens[:-1]):
            if token.type != tokenize.NAME or token.string not in GETTEXT_FUNCTIONS or tokens[i + 1].string != "(":
                continue
            context_at, msgid_at, _plural_at = GETTEXT_FUNCTIONS[token.string]
            args = [t for t in tokens[i + 2:i + 2 + 2 * (msgid_at + 1)] if t.type == tokenize.STRING]
            if len(args) <= msgid_at:
                continue
            context = ast.literal_eval(args[context_at].string) if context_at is not None else None
            found.add(_key(context, ast.literal_eval(args[msgid_at].string)))
    return found


def test_every_translatable_string_in_the_code_is_in_the_catalogue(entries):
    catalogue = {_key(entry.msgctxt, entry.msgid) for entry in entries}
    missing: dict[str, str] = {}
    hidden: list[tuple[str, str]] = []
    for path in _source_files((".py",)):
        for msgid in _python_msgids(path, hidden) - catalogue:
            missing.setdefault(msgid, str(path.relative_to(ROOT)))
    for path in _source_files((".html", ".txt")):
        for msgid in _template_msgids(path) - catalogue:
            missing.setdefault(msgid, str(path.relative_to(ROOT)))
    # Such a call still works while its msgid is extracted from somewhere else; otherwise it never will be.
    unseen = [f"{where}: {msgid!r}" for msgid, where in hidden if msgid not in catalogue]
    assert not unseen, (
        "makemessages (xgettext) cannot see these translation calls (inside an f-string, or through an alias "
        f"such as `gettext_lazy as _lazy`); call gettext/gettext_lazy/_ directly, outside f-strings: {unseen}"
    )
    assert not missing, (
        f"{len(missing)} translatable strings are not in the English catalogue; run `make i18n` and translate "
        f"them: {sorted(missing.items(), key=lambda item: item[1])[:10]}"
    )


# Chinese that is deliberately not translated: the switch back to Chinese is labelled in Chinese, and the
# calendar upload help shows a sample file whose holiday names are data.
ALLOWED_CHINESE = {
    "xinfang/templates/base.html": {"中文"},
    "xinfang/reference/templates/reference/calendar.html": {"元旦", "春节"},
}
TRANSLATED_LITERAL = re.compile(r"""_\(\s*(?:"[^"]*"|'[^']*')\s*\)""")


def test_templates_have_no_chinese_outside_translation_tags():
    untranslated = []
    for path in _source_files((".html", ".txt")):
        if "templates" not in path.parts:
            continue
        name = str(path.relative_to(ROOT))
        allowed = ALLOWED_CHINESE.get(name, set())
        in_block = in_comment = False
        for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
            text = token.contents
            if token.token_type == TokenType.BLOCK:
                word = text.split()[0] if text.split() else ""
                if word == "comment":
                    in_comment = True
                elif word == "endcomment":
                    in_comment = False
                elif word in ("blocktranslate", "blocktrans"):
                    in_block = True
                elif word in ("endblocktranslate", "endblocktrans"):
                    in_block = False
                if word in ("translate", "trans", "blocktranslate", "blocktrans"):
                    continue
            if token.token_type == TokenType.COMMENT or in_comment or in_block:
                continue
            text = TRANSLATED_LITERAL.sub("", text)
            for word in allowed:
                text = text.replace(word, "")
            if HAN.search(text):
                untranslated.append(f"{name}:{token.lineno}: {text.strip()[:60]!r}")
    assert untranslated == [], "wrap these in {% translate %} / {% blocktranslate %}"
