"""Settings that round-trip through the URL, validated before any widget is created.

A page declares its URL settings as ``UrlSetting`` objects. On the first run of a session (or when
the URL changes), ``seed_from_url`` reads ``st.query_params``, checks every value, writes the good
ones into ``st.session_state`` under the widget keys, and returns a notice for every value it had
to drop. After the widgets, ``write_url`` puts the current values back into the URL so that the
address bar is always a shareable link.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui.echo import quoted


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
            raise ValueError(f"{quoted(text)} is not one of {', '.join(map(str, options))}")
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
            raise ValueError(f"{quoted(text)} is not a number") from None
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ValueError(f"{quoted(text)} is outside {lo:g} to {hi:g}")
        if integer:
            if value != int(value):
                raise ValueError(f"{quoted(text)} is not a whole number")
            return int(value)
        if allowed is not None:
            match = [a for a in allowed if math.isclose(a, value, rel_tol=1e-9)]
            if not match:
                raise ValueError(f"{quoted(text)} is not one of the offered values")
            return match[0]
        return value

    return UrlSetting(name, key, parse, lambda v: f"{v:g}" if isinstance(v, float) else str(v))


def int_choice(name: str, key: str, options: Sequence[int]) -> UrlSetting:
    """A whole number from a fixed list (the values of a select slider or radio of numbers)."""

    def parse(text: str) -> int:
        if text.strip() not in {str(o) for o in options}:
            raise ValueError(f"{quoted(text)} is not one of {', '.join(map(str, options))}")
        return int(text)

    return UrlSetting(name, key, parse)


def flag(name: str, key: str) -> UrlSetting:
    """A true/false value written as 1/0 (also accepts true/false, yes/no, on/off)."""

    def parse(text: str) -> bool:
        low = text.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{quoted(text)} is not 1 or 0")

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
            raise ValueError(f"{quoted(text)} is not whole numbers separated by '-'") from None
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
        except ValueError as exc:
            notices.append(f"URL parameter `{p.name}`: {exc}. Using the default instead.")
    return notices


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
