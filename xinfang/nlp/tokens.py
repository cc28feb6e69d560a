"""The one text form the classifier sees, whatever way a petition arrives: raw (a registrar's typing, a
portal submission, a letter scanned and typed) or already word-segmented (space-separated tokens, as in
exports of other systems and public data sets).

The classifier works on character n-grams, so it needs no word segmentation at all: the text is folded by
NFKC (full-width letters and digits → half width, compatibility forms), lower-cased, and every character
that is neither a letter, a digit nor a CJK character — punctuation and *all* white space — is dropped.
``"小区 物业 乱 收费"`` (segmented) and ``"小区物业乱收费！"`` (raw) then give the same string, and the spaces of a
segmented text never create n-grams of their own. Segmenting raw text with jieba at prediction time would
cost ~2 ms per petition (500 a second); this costs ~0.02 ms.

Pure functions, no Django.
"""

from __future__ import annotations

import re
import unicodedata

# Neither a letter, a digit nor a CJK character (``\W``), or ``_``: punctuation, symbols, white space.
_NOT_A_WORD_CHARACTER = re.compile(r"[\W_]+")
# Two CJK characters with white space between them: the mark of a word-segmented Chinese text.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_CJK_CHARACTER = re.compile(rf"[{_CJK}]")


def text_fold(text: str) -> str:
    """The classifier's form of ``text``: NFKC, lower case, letters, digits and CJK characters only.
    ``"Ａ３区 物业，乱收费！"`` → ``"a3区物业乱收费"``."""
    # Punctuation and spaces go first: what is left of a Chinese text is then nearly always NFKC already,
    # and the (slow) normalisation runs only when it changes something (then it may produce punctuation
    # again: "㈠" → "(一)").
    text = _NOT_A_WORD_CHARACTER.sub("", text).lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = _NOT_A_WORD_CHARACTER.sub("", unicodedata.normalize("NFKC", text).lower())
    return text


# Function words, written for this project from common Chinese usage (pronouns, particles, conjunctions,
# prepositions): they say how a petition is phrased, not what it is about. Word-segmented exports usually
# come with such words already removed (a stop-word list), raw text is full of them: in raw petitions 的
# is ~25 characters in a thousand, in a segmented, stop-word-free training file well under one. Removing
# them from both sides before the n-grams are counted keeps a raw petition's vector comparable with the
# training texts' (docs/nlp.md, "Raw and segmented text").
FUNCTION_WORDS = tuple("""
为什么 什么 怎么样 怎么 怎样 如何 为何 我们 你们 他们 她们 它们 咱们 大家 自己 本人 这个 那个 这些 那些 这样 那样
这里 那里 这么 那么 这种 那种 但是 而且 并且 或者 因为 所以 因此 如果 假如 虽然 然后 然而 还是 就是 只是 可是 不过 以及
已经 一直 一下 一些 一个 一种 一样 非常 比较 其实 还有 可以 能够 应该 应当 没有 不能 不是 不会 的话 等等 以上 以下 以后
之后 之前 以前 关于 对于 由于 按照 根据 通过 进行 其中 其他 其它 另外 此外 同时 而是 作为 有关
""".split())
FUNCTION_CHARACTERS = "的了吗呢吧啊呀哦嘛么着都也但且而并又就我你您他她它们这那其之与和及或被把在是于将让从向给该由等很"
_FUNCTION = re.compile("|".join(sorted(FUNCTION_WORDS, key=len, reverse=True)) + f"|[{FUNCTION_CHARACTERS}]")


def text_content(folded: str) -> str:
    """A folded text (``text_fold``) without its function words: ``"我们小区的电梯坏了"`` → ``"小区电梯坏"``."""
    return _FUNCTION.sub("", folded)


# Form 2 of the classifier's text (``text_classifier_form``), for what form 1 still let through between a
# raw petition and a segmented, stop-word-free export:
# - more function words and characters (adverbs and prepositions: 仍 竟 仅 还 才 按 跟 对 较, 可能 经常
#   时候 …), written for this project; in the raw messages of the public benchmark's unlabelled file they
#   are 3 to 300 times as frequent as in its segmented training file, i.e. the export's stop-word list
#   removes them;
# - every Latin letter and digit: a segmented export drops single letters and digits as tokens (the
#   anonymised "A市" keeps only 市, "3月" only 月) but keeps longer ones (A3, 2019), which raw text cannot
#   tell apart without segmenting it. They are codes, numbers and anonymised names, not what a petition is
#   about (cross-validated: no loss, docs/nlp.md).
MORE_FUNCTION_WORDS = tuple("""
极大 经过 只有 只要 加上 开始 各位 各种 可能 后来 到底 难道 多少 不要 经常 时候 不同 不管 到处 起来 出来 基本 不得 多次
""".split())
MORE_FUNCTION_CHARACTERS = "仍竟须仅谁甚既哪还如才按跟些对即较何没刚必均尽"
_MORE_FUNCTION = re.compile("|".join(sorted(MORE_FUNCTION_WORDS, key=len, reverse=True))
                            + f"|[{MORE_FUNCTION_CHARACTERS}]")
_LATIN_OR_DIGIT = re.compile("[a-z0-9]+")
FORM_VERSION = 2


def text_classifier_form(text: str, *, drop_function_words: bool = True, version: int = FORM_VERSION) -> str:
    """What the classifier counts n-grams on. Version 1 (models trained before form 2): ``text_fold``, then
    ``text_content`` if ``drop_function_words``. Version 2: the same, then Latin letters and digits dropped,
    and with ``drop_function_words`` the further function characters too. The same function at training
    and prediction time, raw or segmented input alike."""
    folded = text_fold(text)
    if drop_function_words:
        folded = text_content(folded)
    if version >= 2:
        folded = _LATIN_OR_DIGIT.sub("", folded)
        if drop_function_words:
            folded = _MORE_FUNCTION.sub("", folded)
    return folded


def text_is_segmented(text: str) -> bool:
    """Whether ``text`` looks word-segmented: most gaps between two CJK characters are spaces (a raw
    Chinese text has next to none). Only reported (``xinfang nlp evaluate`` says which layout it read);
    ``text_fold`` treats both alike."""
    spaced = len(_SPACE_BETWEEN_CJK.findall(text))
    cjk = len(_CJK_CHARACTER.findall(text))
    return cjk >= 4 and spaced * 4 >= cjk


def text_desegment(text: str) -> str:
    """``text`` with the spaces between CJK characters removed (``"小区 物业"`` → ``"小区物业"``), for
    showing a segmented text as it was written; Latin words keep their spaces."""
    return _SPACE_BETWEEN_CJK.sub("", text)
