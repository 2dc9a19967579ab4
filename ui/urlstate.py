"""Settings that round-trip through the URL, validated before any widget is created.

A page declares its URL settings as ``UrlSetting`` objects. On the first run of a session (or when
the URL changes), ``seed_from_url`` reads ``st.query_params``, checks every value, writes the good
ones into ``st.session_state`` under the widget keys, and returns a notice for every value it had
to drop. After the widgets, ``write_url`` puts the current values back into the URL so that the
address bar is always a shareable link.

A link can be crafted: a notice repeats the learner's value only through ``ui.echo.quoted`` (one
short inline-code span), and the rest of a parser's reason only as escaped plain text, so no value
becomes a link, an image or a heading. A reason that is Python's own exception text (from a
``parse`` that let ``int()`` or ``float()`` fail) is replaced by a plain "is not a valid value".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui.echo import plain_text, quoted

# the start of messages that Python (not this app) writes: never shown to a learner
_PYTHON_TEXT = re.compile(
    r"invalid literal for|could not convert|Exceeds the limit|int too large|cannot convert|"
    r"math domain error|not enough values to unpack|too many values to unpack|is not in list|"
    r"substring not found|empty separator|codec can't|invalid \\escape|unconverted data|"
    r"time data|object has no attribute|argument must be|unsupported operand|NoneType|"
    r"Traceback|[A-Z][A-Za-z]*Error\b"
)
_REASON_LIMIT = 200


@dataclass(frozen=True)
class UrlSetting:
    """One URL parameter ``name`` feeding the widget ``key``.

    ``parse(text) -> value`` raises ``ValueError`` (with a learner-readable message) for a bad
    value; ``dump(value) -> text`` writes it back.
    """

    name: str
    key: str
    parse: Callable[[str], Any]
    dump: Callable[[Any], str] = str


def choice(name: str, key: str, options: Sequence[str]) -> UrlSetting:
    """A value from a fixed list (case-sensitive, as the select box shows it)."""

    def parse(text: str) -> str:
        if text not in options:
            raise ValueError(f"'{text}' is not one of {', '.join(map(str, options))}")
        return text

    return UrlSetting(name, key, parse)


def number(
    name: str,
    key: str,
    lo: float,
    hi: float,
    *,
    integer: bool = False,
    allowed: Sequence[float] | None = None,
) -> UrlSetting:
    """A number in ``[lo, hi]`` (a whole number if ``integer``; one of ``allowed`` if given)."""

    def parse(text: str) -> float | int:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number") from None
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ValueError(f"{text} is outside {lo:g} to {hi:g}")
        if integer:
            if value != int(value):
                raise ValueError(f"{text} is not a whole number")
            return int(value)
        if allowed is not None:
            match = [a for a in allowed if math.isclose(a, value, rel_tol=1e-9)]
            if not match:
                raise ValueError(f"{text} is not one of the offered values")
            return match[0]
        return value

    return UrlSetting(name, key, parse, lambda v: f"{v:g}" if isinstance(v, float) else str(v))


def flag(name: str, key: str) -> UrlSetting:
    """A true/false value written as 1/0 (also accepts true/false, yes/no, on/off)."""

    def parse(text: str) -> bool:
        low = text.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"'{text}' is not 1 or 0")

    return UrlSetting(name, key, parse, lambda v: "1" if v else "0")


def int_list(name: str, key: str, lo: int, hi: int, max_len: int) -> UrlSetting:
    """Whole numbers separated by dashes, e.g. ``4-4`` (an empty text is an empty list)."""

    def parse(text: str) -> tuple[int, ...]:
        if text == "":
            return ()
        parts = text.split("-")
        if len(parts) > max_len:
            raise ValueError(f"at most {max_len} values, got {len(parts)}")
        try:
            values = tuple(int(p) for p in parts)
        except ValueError:
            raise ValueError(f"'{text}' is not whole numbers separated by dashes (like 4-4)") from None
        if any(not lo <= v <= hi for v in values):
            raise ValueError(f"every value must lie from {lo} to {hi}")
        return values

    return UrlSetting(name, key, parse, lambda v: "-".join(str(x) for x in v))


def seed_from_url(params: Iterable[UrlSetting], marker: str) -> list[str]:
    """Copy valid URL values into session state once per distinct URL; return notices for bad ones.

    ``marker`` is a session-state key under which the last URL that was read is remembered, so
    the page does not overwrite the learner's later choices on every rerun.
    """
    query: Mapping[str, str] = {k: st.query_params[k] for k in st.query_params}
    params = list(params)
    own = {p.name: query[p.name] for p in params if p.name in query}
    if st.session_state.get(marker) == own:
        return []
    st.session_state[marker] = own
    notices = []
    for p in params:
        if p.name not in own:
            continue
        try:
            st.session_state[p.key] = p.parse(own[p.name])
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError, AttributeError) as exc:
            notices.append(url_notice(p.name, own[p.name], exc))
    return notices


def learner_reason(exc: BaseException, raw: str) -> str:
    """Why ``raw`` was refused, as safe markdown: the value quoted, the rest escaped and short.

    A reason that is not a ``ValueError`` or that reads like Python's own exception text becomes
    "is not a valid value".
    """
    text = str(exc) if isinstance(exc, ValueError) else ""
    if not text.strip() or _PYTHON_TEXT.search(text.replace(raw, "") if raw else text):
        return f"{quoted(raw)} is not a valid value for this setting"
    if not raw:
        return plain_text(text, _REASON_LIMIT)
    # every mention of the value (with or without quotes) becomes one short code span
    pieces = re.split("(" + re.escape(f"'{raw}'") + "|" + re.escape(raw) + ")", text)
    said = [
        quoted(raw) if piece in (raw, f"'{raw}'") else plain_text(piece, _REASON_LIMIT) for piece in pieces
    ]
    reason = "".join(said)
    return reason if len(pieces) > 1 else f"{quoted(raw)}: {reason}"


def url_notice(name: str, raw: str, exc: BaseException) -> str:
    """The notice for a refused URL value (safe markdown; the value shortened in inline code)."""
    return f"URL parameter {quoted(name, 30)}: {learner_reason(exc, raw)}. Using the default instead."


def write_url(params: Iterable[UrlSetting], extra: Mapping[str, str] | None = None, marker: str = "") -> None:
    """Put the current widget values into the URL (only those present in session state)."""
    values = {p.name: p.dump(st.session_state[p.key]) for p in params if p.key in st.session_state}
    if extra:
        values.update(extra)
    current = {k: st.query_params[k] for k in st.query_params}
    if current != values:
        st.query_params.from_dict(values)
    if marker:
        # what we wrote is what the next run will read: do not treat it as a new link
        st.session_state[marker] = {k: v for k, v in values.items() if k in {p.name for p in params}}


def show_notices(notices: list[str]) -> None:
    """Tell the learner which URL values were ignored (never a crash)."""
    if notices:
        st.warning("Some settings in the link could not be used:\n\n" + "\n".join(f"- {n}" for n in notices))
