"""The gradient descent page's bridges and classroom parts in AppTest: "The same in PyTorch" shows
the script for the current settings, "Show the code" the engine's optimizer step, the share link the
page's complete URL, and presenter mode folds the prose and raises every chart font to 16 px."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from backprop_core.optimizers import Optimizer
from backprop_core.pytorch import descent_script
from labs.descent.model_surfaces import script_surface
from labs.descent.view_settings import URL_PARAMS

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "3_Gradient_descent.py")


def _run(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params.update(query or {})
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_pytorch_expander_shows_the_script_of_the_current_settings() -> None:
    app = _run({"surface": "ravine", "lr_sgd": "0.05", "lr_mom": "0.02", "beta": "0.5", "steps": "60"})
    expected = descent_script(
        script_surface("ravine"),
        [
            (Optimizer("sgd"), 0.05),
            (Optimizer("momentum", beta=0.5), 0.02),
            (Optimizer("adam", beta1=0.9, beta2=0.999), 0.3),
        ],
        (-8.0, 1.5),
        60,
    )
    assert expected.rstrip() in [c.value.rstrip() for c in app.code]
    labels = [e.label for e in app.expander]
    assert "🔁 The same in PyTorch" in labels and "🧾 Show the code" in labels
    shown = " ".join(c.value for c in app.code)
    assert "def optimizer_step(" in shown and "def trajectory(" in shown


def test_the_share_link_holds_every_section_s_settings() -> None:
    app = _run({"s4_forget": "1", "s3_seed": "12"})
    links = [c.value for c in app.code if c.value.startswith("/") and "?" in c.value]
    assert len(links) == 1
    for p in URL_PARAMS:
        assert f"{p.name}=" in links[0], p.name
    assert "s4_forget=1" in links[0] and "s3_seed=12" in links[0]
    assert any("all four sections" in c.value for c in app.caption)


def test_presenter_mode_folds_the_prose_and_raises_every_chart_font() -> None:
    normal, presenter = _run(), _run({"presenter": "1"})
    folded = {e.label for e in presenter.expander} - {e.label for e in normal.expander}
    assert folded == {
        "The learning rate on one weight: the idea",
        "Three optimizers: the idea",
        "Batch modes: the idea",
        "The zero-grad lesson: the idea",
    }
    for chart in presenter.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        assert layout["font"]["size"] >= 16
    # the toolbar never covers a title: Plotly's mode bar is off on every chart
    for chart in normal.get("plotly_chart"):
        assert json.loads(chart.proto.config).get("displayModeBar") is False
