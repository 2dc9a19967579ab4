"""viz.compact: float32 figure data that reads exactly as the float64 values did."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hover_text import hover_texts
from viz import compact

# values float32 holds at full precision (the rest stay float64: test_non_finite_values_and_bad_digits)
MAGNITUDES = st.floats(min_value=1e-30, max_value=1e30)
FINITE = st.one_of(st.just(0.0), MAGNITUDES, MAGNITUDES.map(lambda v: -v))


@settings(max_examples=200, deadline=None)
@given(st.lists(FINITE, min_size=1, max_size=50), st.integers(1, compact.MAX_SHOWN_DIGITS))
def test_shown_values_read_the_same_at_their_digits(values: list[float], digits: int) -> None:
    small = compact.shown(values, digits)
    assert small.dtype == np.float32
    for before, after in zip(values, small.tolist(), strict=True):
        assert f"{after:.{digits - 1}e}" == f"{before:.{digits - 1}e}"


def test_shown_catches_values_next_to_a_rounding_boundary() -> None:
    # 4.1465 is stored just below itself (reads 4.146 at 4 digits), its float32 just above (4.147);
    # shown() rounds to the hover's digits first
    x = np.array([4.1465, 1.0005, 2.675, 123456.5, -0.5])
    assert any(f"{v:.3e}" != f"{float(np.float32(v)):.3e}" for v in x)
    assert [f"{v:.3e}" for v in compact.shown(x, 4).tolist()] == [f"{v:.3e}" for v in x]


def test_non_finite_values_and_bad_digits() -> None:
    out = compact.shown([np.nan, np.inf, 1.5], 3)
    assert np.isnan(out[0]) and np.isinf(out[1]) and out[2] == 1.5
    assert compact.shown([1e300], 3).dtype == np.float64  # beyond float32: unchanged
    assert compact.shown([5e-324, 1.0], 1).dtype == np.float64  # subnormal in float32: unchanged
    with pytest.raises(ValueError, match="digits must be from 1 to 6"):
        compact.shown([1.0], 7)


def test_positions_fall_back_to_float64_when_a_reading_would_change() -> None:
    grid = np.linspace(-10.0, 10.0, 41)
    assert compact.positions(grid, 3).dtype == np.float32
    tricky = np.array([4.1465, 1.0])  # its float32 reads 4.147 at 4 digits, not 4.146
    assert compact.positions(tricky, 4).dtype == np.float64
    assert compact.colours(np.ones((3, 3))).dtype == np.float32


def test_hover_texts_fills_a_template() -> None:
    texts = hover_texts("w = %{x:.3g}<br>step %{customdata[0]}: L = %{customdata[1]:.4g}", {
        "x": [1.0, 0.123456],
        "customdata": [[0, 2.0], [1, 0.5]],
    })  # fmt: skip
    assert texts == ["w = 1.00<br>step 0: L = 2.000", "w = 0.123<br>step 1: L = 0.5000"]
