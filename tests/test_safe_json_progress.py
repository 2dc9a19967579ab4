"""backprop_core.safe_json and backprop_core.progress with hostile and careless files.

Every bad file must end in a ValueError with a message for a learner (no Python exception text,
no echo of the file), never RecursionError / OverflowError / UnicodeDecodeError.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_core.progress import (
    PROGRESS_FORMAT,
    array_from_json,
    array_to_json,
    dump_progress,
    load_progress,
    optimizer_state_from_json,
    optimizer_state_to_json,
    require,
    rng_from_json,
    rng_to_json,
)
from backprop_core.safe_json import loads_bounded, max_nesting

MB = 1_000_000
# texts of Python's own exceptions that must never reach a learner
PYTHON_TEXTS = (
    "Expecting value",
    "line 1 column",
    "Exceeds the limit",
    "int too large",
    "codec",
    "recursion",
)


def refused(data: bytes | str, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        loads_bounded(data, **({"max_bytes": 2 * MB} | kwargs))
    message = str(info.value)
    assert type(info.value) is ValueError, type(info.value)
    for text in PYTHON_TEXTS:
        assert text.lower() not in message.lower(), message
    assert message[0].isupper() and message.endswith("."), message
    return message


def test_a_megabyte_of_open_brackets_is_too_deep_not_a_recursion_error() -> None:
    assert "levels deep" in refused(b"[" * MB)


def test_a_thousand_levels_of_nesting_is_refused_and_sixty_four_are_fine() -> None:
    assert "1000 levels deep" in refused("[" * 1000 + "]" * 1000)
    assert "1000 levels deep" in refused('{"a":' * 1000 + "1" + "}" * 1000)
    value = loads_bounded("[" * 64 + "]" * 64, max_bytes=MB)
    for _ in range(63):
        value = value[0]
    assert value == []


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"note": "[" * 5000, "q": 'a "quoted" [[[ \\ text'})
    assert max_nesting(text.encode()) == 1
    assert loads_bounded(text, max_bytes=MB)["note"] == "[" * 5000


@pytest.mark.parametrize("digits", [301, 310, 4300, 4400, 100_000])
def test_huge_integers_are_refused_by_digit_count(digits: int) -> None:
    message = refused("[" + "7" * digits + "]")
    assert f"{digits} digits" in message and "at most 300" in message
    assert "digits" in refused('{"w": -' + "9" * digits + "}")


def test_an_integer_of_three_hundred_digits_is_accepted() -> None:
    assert loads_bounded("[" + "9" * 300 + "]", max_bytes=MB) == [int("9" * 300)]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_refused(literal: str) -> None:
    assert literal in refused(f'{{"lr": {literal}}}')


def test_floats_beyond_the_float_range_are_refused() -> None:
    assert "too large" in refused("[1e400]")
    assert loads_bounded("[1e308, -2.5e-320]", max_bytes=MB) == [1e308, -2.5e-320]


@pytest.mark.parametrize("data", [b"\xff\xfe[1]", b'{"a": "\xc3"}', "[1]".encode("utf-16"), b"\x80" * 100])
def test_non_utf8_bytes_are_refused(data: bytes) -> None:
    assert "not UTF-8" in refused(data)


def test_a_utf8_byte_order_mark_is_fine() -> None:
    assert loads_bounded(b"\xef\xbb\xbf[1, 2]", max_bytes=MB) == [1, 2]


def test_too_large_is_refused_before_reading() -> None:
    assert "too large" in refused(b" " * (MB + 1), max_bytes=MB)
    assert "too large" in refused(" " * (MB + 1), max_bytes=MB)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("{'a': 1}", "double quotes"),
        ("[1, 2", "line 1"),
        ("[1] [2]", "more text after"),
        ('{"a" 1}', "':' is missing"),
        ("[1 2]", "',' is missing"),
        ('["abc', "never closed"),
        ("nonsense", "not JSON"),
        (",", "not JSON"),
    ],
)
def test_syntax_errors_say_where_and_what_in_plain_words(data: str, says: str) -> None:
    assert says in refused(data)


def test_messages_never_echo_the_file() -> None:
    hostile = "[Your session expired](http://127.0.0.1:9/login)"
    message = refused(hostile)
    assert "http" not in message and "](" not in message


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_value_or_a_value_error(data: bytes) -> None:
    try:
        loads_bounded(data, max_bytes=MB, max_depth=8)
    except ValueError as exc:
        assert type(exc) is ValueError


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='[]{}"\\:,0123456789-eE.aNInfity \n', max_size=200))
def test_any_json_like_text_gives_a_value_or_a_value_error(text: str) -> None:
    try:
        loads_bounded(text, max_bytes=MB, max_depth=8)
    except ValueError as exc:
        assert type(exc) is ValueError


# -- progress files -------------------------------------------------------------------------------


def sample_payload() -> dict:
    rng = np.random.default_rng(7)
    return {
        "weights": [array_to_json(rng.normal(size=(2, 3))), array_to_json(rng.normal(size=(3, 1)))],
        "iteration": 555,
        "history": [0.5, 1 / 3, math.nan, math.inf, -math.inf, 5e-324, 1.7976931348623157e308],
        "settings": {"lr": np.float64(0.1), "hidden": "tanh", "steps": np.int64(3), "on": np.bool_(True)},
        "arr": rng.normal(size=4),
    }


def test_progress_round_trips_every_float_bit_for_bit() -> None:
    payload = sample_payload()
    data = dump_progress("playground", payload)
    assert json.loads(data)["format"] == PROGRESS_FORMAT
    back = load_progress(data, "playground")
    for saved, loaded in zip(payload["weights"], back["weights"], strict=True):
        assert np.array_equal(np.array(saved), array_from_json(loaded, (None, None), "weights"))
        assert np.array(saved).tobytes() == array_from_json(loaded).tobytes()
    h = back["history"]
    assert (
        h[:2] == [0.5, 1 / 3]
        and math.isnan(h[2])
        and h[3:] == [math.inf, -math.inf, 5e-324, 1.7976931348623157e308]
    )
    assert back["settings"] == {"lr": 0.1, "hidden": "tanh", "steps": 3, "on": True}
    assert array_from_json(back["arr"], (4,)).tobytes() == payload["arr"].tobytes()
    assert back["iteration"] == 555


def test_a_generator_continues_exactly_after_a_round_trip() -> None:
    for make in (np.random.PCG64, np.random.MT19937, np.random.Philox, np.random.SFC64):
        rng = np.random.Generator(make(123))
        rng.normal(size=17)
        data = dump_progress("vanishing", {"rng": rng_to_json(rng)})
        restored = rng_from_json(load_progress(data, "vanishing")["rng"])
        assert np.array_equal(rng.normal(size=50), restored.normal(size=50))
        assert np.array_equal(rng.integers(0, 1000, size=20), restored.integers(0, 1000, size=20))


@pytest.mark.parametrize(
    "state", [None, "x", {}, {"bit_generator": "os.system"}, {"bit_generator": "PCG64", "state": 5}]
)
def test_a_damaged_generator_state_is_a_value_error(state: object) -> None:
    with pytest.raises(ValueError, match="random-number state is damaged"):
        rng_from_json(state)


def refused_progress(data: bytes, lab: str = "playground") -> str:
    with pytest.raises(ValueError) as info:
        load_progress(data, lab)
    assert type(info.value) is ValueError
    return str(info.value)


def test_another_labs_file_is_refused_by_name() -> None:
    data = dump_progress("vanishing", {"a": 1})
    assert "another page (the vanishing lab)" in refused_progress(data, "playground")
    evil = json.dumps({"format": 1, "lab": "[x](http://a.b)", "payload": {}}).encode()
    message = refused_progress(evil)
    assert "another page" in message and "http" not in message


def test_a_newer_format_is_refused_with_the_format_this_page_reads() -> None:
    data = json.dumps({"format": 2, "lab": "playground", "payload": {}}).encode()
    message = refused_progress(data)
    assert "made by a newer version of Backprop Lab" in message and "this page reads format 1" in message


@pytest.mark.parametrize("fmt", [0, -1, "1", True, 1.5, None])
def test_a_format_that_is_not_a_version_is_refused(fmt: object) -> None:
    data = json.dumps({"format": fmt, "lab": "playground", "payload": {}}).encode()
    assert "format" in refused_progress(data)


@pytest.mark.parametrize("missing", ["format", "lab", "payload"])
def test_missing_keys_are_named(missing: str) -> None:
    document = {"format": 1, "lab": "playground", "payload": {}}
    del document[missing]
    assert f"no '{missing}'" in refused_progress(json.dumps(document).encode())


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"[1, 2]", "not an object"),
        (b'{"format": 1, "lab": "playground", "payload": [1]}', "payload"),
        (b'{"format": 1, "lab": "playground", "payload": {"x": {"$float": "boom"}}}', "damaged number"),
        (b"[" * MB, "levels deep"),
        (b'{"format": 1, "lab": "playground", "payload": {"x": ' + b"1" * 4400 + b"}}", "4400 digits"),
        (b'{"format": 1, "lab": "playground", "payload": {"x": NaN}}', "NaN"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"x" * 6_000_000, "too large"),
    ],
)
def test_hostile_progress_files_are_value_errors(data: bytes, says: str) -> None:
    assert says in refused_progress(data)


def test_require_names_the_missing_key() -> None:
    require({"a": 1}, "a")
    with pytest.raises(ValueError, match="no 'weights'"):
        require({"a": 1}, "a", "weights")


@pytest.mark.parametrize(
    ("value", "shape", "says"),
    [
        ("x", None, "not a list"),
        ([1, "2"], None, "not a number"),
        ([True, 1], None, "not a number"),
        ([[1, 2], [3]], None, "rectangular"),
        ([[1, 2]], (2, 1), "shape 1x2; expected 2x1"),
        ([1.5], None, None),
    ],
)
def test_array_from_json_checks_numbers_and_shape(
    value: object, shape: tuple | None, says: str | None
) -> None:
    if says is None:
        assert array_from_json(value, shape).tolist() == [1.5]
        with pytest.raises(ValueError, match="whole numbers"):
            array_from_json(value, shape, dtype=int)
        return
    with pytest.raises(ValueError, match=says):
        array_from_json(value, shape, name="weights")


def test_dump_refuses_what_it_cannot_save() -> None:
    with pytest.raises(ValueError, match="cannot save"):
        dump_progress("playground", {"x": object()})
    with pytest.raises(ValueError, match="lab must be"):
        dump_progress("Play Ground!", {})


def test_optimizer_memory_round_trips_bit_for_bit_and_damage_is_refused() -> None:
    from backprop_core.optimizers import Optimizer, optimizer_step

    params = [np.array([[0.1, -0.2], [0.3, 0.4]]), np.array([0.05, -0.05])]
    grads = [np.array([[1e-3, 2.0], [-0.7, 1 / 3]]), np.array([0.25, -1e-9])]
    assert optimizer_state_to_json(None) is None and optimizer_state_from_json(None, params) is None
    for name in ("sgd", "momentum", "adam"):
        _, state = optimizer_step(Optimizer(name), params, grads, 0.01, None)
        _, state = optimizer_step(Optimizer(name), params, grads, 0.01, state)
        saved = json.loads(json.dumps(optimizer_state_to_json(state)))
        assert set(saved) == {"name", "t", "slots"} and saved["name"] == name and saved["t"] == 2
        assert optimizer_state_from_json(saved, params) == state  # every slot array bit for bit
    good = json.loads(json.dumps(optimizer_state_to_json(state)))  # adam's
    cases = [
        ([1, 2], "optimizer state is damaged"),
        ({"name": "adam", "t": 2}, "no 'slots'"),
        (dict(good, name="rmsprop"), "no known optimizer or step count"),
        (dict(good, t=-1), "no known optimizer or step count"),
        (dict(good, t=True), "no known optimizer or step count"),
        (dict(good, slots={"m": good["slots"]["m"]}), "not one this page knows"),
        (dict(good, slots={**good["slots"], "m": good["slots"]["m"][:1]}), "does not fit this network"),
        (
            dict(good, slots={**good["slots"], "v": [[[1.0]], [0.0, 0.0]]}),
            "optimizer state 'v' has shape 1x1",
        ),
    ]
    for value, says in cases:
        with pytest.raises(ValueError, match=says):
            optimizer_state_from_json(value, params)
    with pytest.raises(ValueError, match="run 2 optimizer state names no known"):
        optimizer_state_from_json(dict(good, t=11), params, what="run 2 optimizer state", max_t=10)
