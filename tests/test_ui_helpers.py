"""The shared UI helpers: learning-rate list and URL parameter parsing (no Streamlit run needed)."""

from __future__ import annotations

import math

import pytest

from ui.common import LR_VALUES, format_lr, lr_values, nearest_lr
from ui.urlstate import choice, flag, int_list, number


def test_learning_rates_are_sorted_and_hold_every_preset_rate() -> None:
    assert list(LR_VALUES) == sorted(LR_VALUES)
    assert len(set(LR_VALUES)) == len(LR_VALUES)
    # the step-through presets (0.01, 0.5) and the critical rates of the single-weight lesson
    for rate in (0.01, 0.5, 0.02, 0.04, 1e-4, 10.0, 1e-5):
        assert rate in LR_VALUES
    assert lr_values(1e-4, 10)[0] == 1e-4 and lr_values(1e-4, 10)[-1] == 10.0


def test_format_and_nearest_lr() -> None:
    assert format_lr(0.0001) == "0.0001"
    assert format_lr(3e-5) == "3e-05"
    assert format_lr(0.5) == "0.5"
    assert nearest_lr(0.011) == 0.01
    # on a log scale the midpoint of 5 and 10 is sqrt(50) = 7.07...: 7.0 is nearer 5, 7.1 nearer 10
    assert nearest_lr(7.0) == 5.0
    assert nearest_lr(7.1) == 10.0
    assert nearest_lr(float("nan")) == LR_VALUES[0]
    assert nearest_lr(-1) == LR_VALUES[0]


def test_choice_accepts_listed_values_only() -> None:
    p = choice("act", "k", ["sigmoid", "relu"])
    assert p.parse("relu") == "relu"
    with pytest.raises(ValueError, match="not one of sigmoid, relu"):
        p.parse("RELU'; drop")


def test_number_checks_range_integers_and_allowed_values() -> None:
    depth = number("depth", "k", 2, 30, integer=True)
    assert depth.parse("10") == 10 and isinstance(depth.parse("10"), int)
    for bad, why in (
        ("abc", "not a number"),
        ("31", "outside"),
        ("2.5", "whole"),
        ("nan", "outside"),
        ("inf", "outside"),
    ):
        with pytest.raises(ValueError, match=why):
            depth.parse(bad)
    lr = number("lr", "k", 1e-5, 10, allowed=LR_VALUES)
    assert lr.parse("0.5") == 0.5
    assert lr.parse("5e-1") == 0.5
    with pytest.raises(ValueError, match="offered"):
        lr.parse("0.123")
    assert lr.dump(0.5) == "0.5"
    assert math.isclose(float(lr.dump(3e-5)), 3e-5)


def test_flag_and_int_list() -> None:
    f = flag("play", "k")
    assert f.parse("1") is True and f.parse("off") is False
    with pytest.raises(ValueError):
        f.parse("maybe")
    assert f.dump(True) == "1"
    widths = int_list("hidden", "k", 1, 16, 8)
    assert widths.parse("4-4") == (4, 4)
    assert widths.parse("") == ()
    assert widths.dump((3, 5)) == "3-5"
    for bad in ("4-x", "0-4", "17", "-".join(["2"] * 9)):
        with pytest.raises(ValueError):
            widths.parse(bad)
