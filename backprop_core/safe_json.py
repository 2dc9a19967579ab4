"""JSON from a learner's file, read within bounds: every refusal is a ``ValueError`` written for a learner.

``json.loads`` alone can be made to fail in ways a learner should never see: a file of a million
``[`` raises ``RecursionError``, an integer of 5,000 digits Python's own "Exceeds the limit ..."
message, ``NaN`` is accepted and later poisons every number. ``loads_bounded`` checks the size,
the encoding and the nesting depth *before* parsing (a linear scan, no recursion), refuses huge
integers and non-finite numbers while parsing, and rewrites a syntax error as line and column.
Messages never repeat the file's content.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

# a JSON string (with its escapes): removed before the nesting depth is counted, so a "[" inside a
# string does not count; a string left unterminated stays and can only over-count, never under-count
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))

# json's own messages, said for a learner
_SYNTAX = (
    ("Expecting value", "a value is missing or is not JSON (text must be in double quotes)"),
    ("Expecting property name", "a key must be text in double quotes"),
    ("Expecting ':' delimiter", "a ':' is missing after a key"),
    ("Expecting ',' delimiter", "a ',' is missing between two items"),
    ("Unterminated string", "a piece of text in quotes is never closed"),
    ("Invalid control character", "a piece of text in quotes holds a line break or tab"),
    ("Invalid \\escape", "a backslash in a piece of text is not a valid escape"),
    ("Invalid \\uXXXX escape", "a backslash in a piece of text is not a valid escape"),
    ("Extra data", "there is more text after the end of the JSON value"),
)


def _size_label(n: int) -> str:
    return f"{n / 1e6:.3g} MB" if n >= 1e6 else f"{n / 1e3:.3g} kB" if n >= 1e3 else f"{n} bytes"


def max_nesting(raw: bytes) -> int:
    """How deeply ``[`` and ``{`` nest in ``raw`` (text inside JSON strings ignored); linear time."""
    codes = np.frombuffer(_STRING.sub(b"", raw), dtype=np.uint8)
    if codes.size == 0:
        return 0
    step = np.isin(codes, _OPEN).astype(np.int64) - np.isin(codes, _CLOSE).astype(np.int64)
    return int(np.cumsum(step).max(initial=0))


def _syntax_message(exc: json.JSONDecodeError) -> str:
    what = next((text for start, text in _SYNTAX if exc.msg.startswith(start)), "unexpected text")
    return f"The file is not valid JSON: {what} (line {exc.lineno}, column {exc.colno})."


def loads_bounded(
    data: bytes | str,
    *,
    max_bytes: int,
    max_depth: int = 64,
    max_int_digits: int = 300,
) -> object:
    """Parse ``data`` as JSON, refusing what a learner's file should never contain.

    Refused, each with a ``ValueError`` whose message a learner can act on: more than ``max_bytes``
    bytes, bytes that are not UTF-8, arrays/objects nested deeper than ``max_depth``, integers of
    more than ``max_int_digits`` digits, numbers too large for a float (``1e400``), the literals
    ``NaN``/``Infinity``/``-Infinity``, and syntax errors (given as line and column). A UTF-8
    byte-order mark is allowed.
    """
    if isinstance(data, str):
        if len(data) > max_bytes:  # a character is at least one byte
            raise ValueError(f"The file is too large: the limit is {_size_label(max_bytes)}.")
        raw = data.encode("utf-8", errors="surrogatepass")
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise ValueError("Expected the file's content as bytes or text.")
    if len(raw) > max_bytes:
        raise ValueError(
            f"The file is too large ({_size_label(len(raw))}); the limit is {_size_label(max_bytes)}."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read); save it as UTF-8 JSON."
        ) from None
    if not text.strip():
        raise ValueError("The file is empty.")
    depth = max_nesting(raw)
    if depth > max_depth:
        raise ValueError(
            f"The file nests lists or objects {depth} levels deep; at most {max_depth} are allowed."
        )

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > max_int_digits:
            raise ValueError(
                f"The file holds a whole number of {len(digits.lstrip('-'))} digits; "
                f"at most {max_int_digits} are allowed."
            )
        return int(digits)

    def parse_float(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise ValueError("The file holds a number too large for a float (beyond about 1.8e308).")
        return value

    def parse_constant(name: str) -> float:
        raise ValueError(f"The file holds {name}, which is not a number JSON allows; write a finite number.")

    try:
        return json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(_syntax_message(exc)) from None
    except RecursionError:  # cannot happen after the depth check; kept so it never reaches a learner
        raise ValueError(
            f"The file nests lists or objects too deeply; at most {max_depth} are allowed."
        ) from None
