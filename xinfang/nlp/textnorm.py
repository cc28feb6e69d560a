"""Text normalisation for comparing petitions: one form for every way the same words can be typed.

A petition arrives by letter, visit, phone, the portal or a 12345 transfer, typed by different people on
different machines: traditional characters (a petitioner from Hong Kong or Taiwan, an old input method),
full-width letters and digits (``１２３``, ``ＡＢＣ``), Chinese or ASCII punctuation, stray spaces. Before two
texts are compared they are folded to one form:

1. NFKC: full-width ASCII → half width, compatibility forms (``①``, ``㈠``, CJK compatibility ideographs);
2. traditional → simplified, character by character, from OpenCC's ``TSCharacters`` table (the first
   simplified form of each traditional character; phrases do not matter for a character comparison, and a
   character-level table keeps the folding a C-speed ``str.translate``);
3. lower case;
4. every run of punctuation and white space → one space (a segment boundary).

Shingles are character bigrams inside segments, coded as ``(first << 16) | second`` (one 32-bit integer,
no hashing, so a code can be stored, compared and shown again). Bigrams need no word segmentation (jieba
runs ~10× slower than ``shingles``) and a reworded sentence still shares most of them with the original.

Pure functions, no Django: the similarity maths (``similarity.py``) and the index (``xinfang.repeats``)
build on them.
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from functools import cache

import numpy as np

# A segment boundary: anything that is neither a letter, a digit nor a CJK character (``\W``), and ``_``.
_SEPARATORS = re.compile(r"[\W_]+")
# Sentence ends, Chinese and ASCII, after NFKC (which turns ``。`` into nothing else but keeps it).
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
SPACE = 0x20


@cache
def _traditional_table() -> dict[int, str]:
    """``str.translate`` table traditional → simplified, from the OpenCC character dictionary shipped in
    the ``opencc-python-reimplemented`` package (Apache-2.0). Loaded once per process (~4,000 entries)."""
    table: dict[int, str] = {}
    source = importlib.resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1 and parts[0] != parts[1]:
            table[ord(parts[0])] = parts[1]
    return table


def to_simplified(text: str) -> str:
    """``text`` with traditional characters replaced by their simplified form (character by character)."""
    return text.translate(_traditional_table())


def text_normalize(text: str) -> str:
    """The comparable form of ``text``: NFKC (full → half width), simplified characters, lower case, and
    punctuation and white space folded into single spaces. ``"來訪人：ＡＢＣ１２３，小區！"`` →
    ``"来访人 abc123 小区"``."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).translate(_traditional_table()).lower()
    return _SEPARATORS.sub(" ", folded).strip()


def name_normalize(name: str) -> str:
    """A person's name as compared: normalised and without any space or dot (``王 小明``, ``買買提·艾力``)."""
    return text_normalize(name).replace(" ", "")


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (kept with their end mark), empty ones dropped."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


@cache
def _fold_tables() -> tuple[np.ndarray, np.ndarray]:
    """``text_normalize`` as a table over the Basic Multilingual Plane, for ``shingles``: each code point's
    NFKC, simplified, lower-case form, and ``SPACE`` for every separator — one array look-up per character
    instead of four passes over a string (NFKC alone took a third of the time of shingling a petition:
    Chinese text is full of full-width commas). The second table marks the characters a per-character
    mapping cannot fold (NFKC to several characters, like ``㈠`` or ``…``, and combining marks): a text with
    any of them goes through ``unicodedata.normalize`` first."""
    fold = np.arange(0x10000, dtype=np.uint32)
    whole = np.zeros(0x10000, dtype=bool)
    traditional = _traditional_table()
    for point in range(0x10000):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        compatible = unicodedata.normalize("NFKC", char)
        if len(compatible) != 1 or unicodedata.combining(char):
            whole[point] = True
        else:
            char = compatible
        char = traditional.get(ord(char), char)
        lower = char.lower()
        char = lower if len(lower) == 1 else char
        fold[point] = SPACE if _SEPARATORS.fullmatch(char) else ord(char)
    return fold, whole


def _points(text: str) -> np.ndarray:
    """The code points of ``text``, NFKC-normalised first only where the table cannot fold them."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if _fold_tables()[1][points & np.uint32(0xFFFF)].any():
        points = np.frombuffer(unicodedata.normalize("NFKC", text).encode("utf-32-le"), dtype=np.uint32)
    return points


def _fold(points: np.ndarray) -> np.ndarray:
    """Folded 16-bit code points. A character beyond the BMP (a rare name character) becomes one of 4,096
    stand-ins in U+F000–U+FFFF: never a separator, and only compared, never shown as text."""
    folded = _fold_tables()[0][points & np.uint32(0xFFFF)]
    beyond = points > 0xFFFF
    if beyond.any():
        folded[beyond] = np.uint32(0xF000) | (points[beyond] & np.uint32(0x0FFF))
    return folded


def _codes(points: np.ndarray) -> np.ndarray:
    """Bigram codes of code points, folded; those touching a separator dropped (unsorted, repeated)."""
    if points.size < 2:
        return np.zeros(0, dtype=np.uint32)
    folded = _fold(points)
    codes = (folded[:-1] << np.uint32(16)) | folded[1:]
    return codes[(folded[:-1] != SPACE) & (folded[1:] != SPACE)]


def shingles(text: str) -> np.ndarray:
    """The distinct character bigrams of ``text`` after ``text_normalize``, as sorted ``uint32`` codes
    ``(ord(a) << 16) | ord(b)`` (characters beyond the BMP, rare in petitions, folded to 16 bits: a
    collision there only adds a little noise). Bigrams never span a segment boundary, so
    reordered sentences keep all their bigrams. A text of one character has none."""
    if not text:
        return np.zeros(0, dtype=np.uint32)
    codes = _codes(_points(text))
    if codes.size < 2:
        return codes
    codes.sort()
    keep = np.empty(codes.size, dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def shingles_batch(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``shingles`` of many texts in one vectorised pass (the index build, the benchmark's exact search):
    the concatenated codes and the offsets, text ``i`` owning ``codes[offsets[i]:offsets[i + 1]]``."""
    if not texts:
        return np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64)
    whole = _fold_tables()[1]
    texts = list(texts)
    points, owner = _batch_points(texts)
    flagged = np.unique(owner[whole[points & np.uint32(0xFFFF)]]).astype(np.int64)
    if flagged.size:
        for index in flagged.tolist():
            texts[index] = unicodedata.normalize("NFKC", texts[index])
        points, owner = _batch_points(texts)
    return _shingles_batch_points(points, owner, len(texts))


def _batch_points(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of all ``texts``, each followed by a newline (a separator, so no bigram spans two
    texts), and the index of the text each belongs to."""
    lengths = np.fromiter((len(text) + 1 for text in texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("\n".join(texts).encode("utf-32-le") + "\n".encode("utf-32-le"), dtype=np.uint32)
    return points, np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)


def _shingles_batch_points(points: np.ndarray, owner: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    folded = _fold(points)
    inside = (folded[:-1] != SPACE) & (folded[1:] != SPACE)
    codes = ((folded[:-1] << np.uint32(16)) | folded[1:])[inside]
    keyed = (owner[:-1][inside] << np.uint64(32)) | codes.astype(np.uint64)
    keyed.sort()
    if keyed.size:
        keep = np.empty(keyed.size, dtype=bool)
        keep[0] = True
        np.not_equal(keyed[1:], keyed[:-1], out=keep[1:])
        keyed = keyed[keep]
    offsets = np.zeros(count + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount((keyed >> np.uint64(32)).astype(np.int64), minlength=count))
    return (keyed & np.uint64(0xFFFFFFFF)).astype(np.uint32), offsets


def petition_shingles(*, title: str, content: str) -> np.ndarray:
    """The shingles of a petition: its title and its text as two segments (a changed title moves only the
    few bigrams of the title)."""
    return shingles(f"{title or ''}\n{content or ''}")


def shingle_text(code: int) -> str:
    """The two characters of a shingle code (for showing which words two petitions share)."""
    code = int(code) & 0xFFFFFFFF
    return "".join("\ufffd" if 0xD800 <= point <= 0xDFFF else chr(point) for point in (code >> 16, code & 0xFFFF))


def petition_shingles_batch(petitions: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """``petition_shingles`` of many ``(title, content)`` pairs: see ``shingles_batch``."""
    return shingles_batch([f"{title or ''}\n{content or ''}" for title, content in petitions])
