"""The colours that must read in the light and the dark theme (viz.theme INK, MUTED, line colours).

They are fixed colours, the same in both themes: a chart drawn in one theme keeps its trace colours
when the viewer switches theme in the app menu (only the theme's own text and grid colours change).
"""

from __future__ import annotations

import numpy as np
from plotly.colors import hex_to_rgb, unlabel_rgb

from tests.browser.contrast import contrast
from viz.theme import INK, MUTED, TEXT_ON_LIGHT, line_color, line_scale

WHITE, DARK = (255, 255, 255), (23, 22, 20)  # the two themes' backgrounds (.streamlit/config.toml)


def test_ink_muted_and_the_line_scale_ends_read_on_both_backgrounds() -> None:
    # (values near zero are near white by design: on the dark page they read, on white a grey line
    # is drawn beneath them)
    ends = [unlabel_rgb(line_color(v, 1.0)) for v in (-1.0, 1.0)]
    for colour in [hex_to_rgb(INK), hex_to_rgb(MUTED), *ends]:
        assert min(contrast(colour, WHITE), contrast(colour, DARK)) >= 3.0, colour
    assert min(contrast(hex_to_rgb(INK), WHITE), contrast(hex_to_rgb(INK), DARK)) >= 4.0


def test_text_on_light_reads_on_the_pale_fills_it_is_used_on() -> None:
    for fill in ("#d9ecf7", "#fde7c8", "#f6d0d0", "#dceaf7"):
        assert contrast(hex_to_rgb(TEXT_ON_LIGHT), hex_to_rgb(fill)) >= 4.5


def test_line_scale_is_the_shortened_scale_line_color_draws_with() -> None:
    scale = line_scale()
    assert scale[0][0] == 0.0 and scale[-1][0] == 1.0
    assert scale[0][1] == line_color(-1.0, 1.0) and scale[-1][1] == line_color(1.0, 1.0)
    assert line_color(0.0, 1.0) == scale[len(scale) // 2][1]
    assert line_color(float("nan"), 1.0) != line_color(0.0, 1.0)
    # clipped beyond vmax, and never an error for vmax 0
    assert line_color(5.0, 1.0) == line_color(1.0, 1.0)
    assert line_color(1.0, 0.0) == line_color(0.0, 1.0)
    assert np.isclose(sum(unlabel_rgb(line_color(0.0, 1.0))), 3 * 247)
