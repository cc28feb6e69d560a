#!/usr/bin/env python
"""List the English catalogue's untranslated and fuzzy entries; exit 1 if there is any.

    .venv/bin/python scripts/i18n_check.py [path/to/django.po]

`make i18n` runs it after makemessages and compilemessages. The parser is deliberately small (no polib, no
new dependency) and reads the subset of the PO format that Django's makemessages writes; tests/test_i18n.py
uses it too.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "xinfang" / "locale" / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index 0 for a singular entry
    flags: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)  # "#." "#:" "#," and translator lines, as read
    obsolete: bool = False
    line: int = 0

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    # PO strings use C escapes (\" \\ \n \t); Python's literal syntax reads them the same way.
    return ast.literal_eval(text)


def parse_po(path: Path = CATALOGUE) -> list[Entry]:
    """The entries of a .po file, the header (msgid "") included."""
    entries: list[Entry] = []
    entry = Entry()
    key: tuple[str, int] | None = None  # the field that continuation lines extend
    seen_msgid = False

    def finish() -> None:
        nonlocal entry, key, seen_msgid
        if seen_msgid:
            entries.append(entry)
        entry, key, seen_msgid = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.rstrip("\n")
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].lstrip()
            if not line:
                continue
        if not line.strip():
            if seen_msgid:
                finish()
            continue
        if line.startswith("#"):
            if seen_msgid:
                finish()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            entry.comments.append(line)
            continue
        if not entry.line:
            entry.line = number
        word, _, rest = line.partition(" ")
        if line.startswith('"'):
            if key is None:
                raise ValueError(f"{path}:{number}: continuation line without a field")
            name, index = key
            value = _unquote(line, path, number)
        elif word == "msgctxt":
            if seen_msgid:
                finish()
                entry.line = number
            key, value = ("msgctxt", 0), _unquote(rest, path, number)
            entry.msgctxt = ""
        elif word == "msgid":
            if seen_msgid:
                finish()
                entry.line = number
            key, value, seen_msgid = ("msgid", 0), _unquote(rest, path, number), True
        elif word == "msgid_plural":
            key, value = ("msgid_plural", 0), _unquote(rest, path, number)
            entry.msgid_plural = ""
        elif word == "msgstr":
            key, value = ("msgstr", 0), _unquote(rest, path, number)
            entry.msgstr[0] = ""
        elif word.startswith("msgstr[") and word.endswith("]"):
            key, value = ("msgstr", int(word[7:-1])), _unquote(rest, path, number)
            entry.msgstr[key[1]] = ""
        else:
            raise ValueError(f"{path}:{number}: cannot read {line!r}")
        name, index = key
        if name == "msgstr":
            entry.msgstr[index] += value
        else:
            setattr(entry, name, (getattr(entry, name) or "") + value)
    finish()
    return entries


def problems(entries: list[Entry]) -> list[str]:
    """One line per untranslated or fuzzy entry (the header and obsolete entries are not counted)."""
    found = []
    for entry in entries:
        if entry.msgid == "" or entry.obsolete:
            continue
        what = [word for word, bad in (("fuzzy", entry.fuzzy), ("untranslated", not entry.translated)) if bad]
        if what:
            found.append(f"line {entry.line}: {' and '.join(what)}: {entry.msgid!r}")
    return found


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else CATALOGUE
    if not path.exists():
        print(f"{path}: no catalogue (run `make i18n`)", file=sys.stderr)
        return 1
    entries = parse_po(path)
    found = problems(entries)
    for line in found:
        print(f"{path.name} {line}")
    total = sum(1 for entry in entries if entry.msgid and not entry.obsolete)
    print(f"{path}: {total} entries, {len(found)} untranslated or fuzzy", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
