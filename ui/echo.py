"""A learner's own text (a URL value, a CSV label, a file name, a typed answer), repeated safely.

Streamlit renders markdown in ``st.markdown``, ``st.warning``, ``st.caption`` and friends, so a
value such as ``[Your session expired](http://...)`` would become a link, ``![x](...)`` an image
the browser fetches, and a value holding two newlines and ``#`` a heading. ``quoted`` turns any
text into one inline-code span, which markdown shows letter for letter: shortened, on one line,
with no backtick left that could close the span early.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
NEWLINE_MARK = "⏎"
BACKTICK_STANDIN = "ˋ"  # U+02CB, looks like a backtick but cannot close a code span
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the last one "…" when it was cut."""
    limit = max(int(limit), 1)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def quoted(text: object, limit: int = 60) -> str:
    """``text`` as inline code that is safe anywhere in markdown.

    Shortened to ``limit`` characters (ending in "…"), newlines shown as "⏎", tabs as spaces,
    other control characters as "�", and every backtick replaced by "ˋ" so the span cannot be
    closed early. An empty text is shown as *(empty)*, one of only spaces as *(only spaces)*.
    (Inside a markdown *table* a "|" would still split the cell: tables take ``st.dataframe``.)
    """
    value = text if isinstance(text, str) else str(text)
    value = _NEWLINES.sub(NEWLINE_MARK, shorten(value, limit)).replace("\t", " ")
    value = _CONTROL.sub("\ufffd", value).replace("`", BACKTICK_STANDIN)
    if not value.strip():
        return "*(empty)*" if not value else "*(only spaces)*"
    return f"`{value}`"


# every ASCII punctuation mark CommonMark lets a backslash escape
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain_text(text: object, limit: int = 300) -> str:
    """``text`` for markdown as ordinary prose: every markdown mark backslash-escaped, one line, short.

    For a message that may contain a learner's text in pieces (a reason written by a parser):
    nothing in it can become a link, image, heading, list, HTML or LaTeX.
    """
    value = text if isinstance(text, str) else str(text)
    value = _CONTROL.sub("\ufffd", _NEWLINES.sub(" ", shorten(value, limit)).replace("\t", " "))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)
