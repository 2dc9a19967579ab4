"""The convolution lab: its model (data, worked positions, running sums), figures, and the page in AppTest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from labs.conv import figures, model
from labs.conv.view_state import BACK_STEPS, TRAIN_N
from ui.common import LEARNING_PATH

PAGE = str(Path(__file__).resolve().parents[3] / "pages" / "7_Convolutions.py")


@pytest.fixture(scope="module")
def lab() -> model.Lab:
    return model.start_lab()


@pytest.fixture(scope="module")
def step(lab: model.Lab):
    return model.one_image_step(lab.net, lab.data.X_train[3], int(lab.data.y_train[3]), 0.3)


# -- model -----------------------------------------------------------------------------------------------


def test_images_are_seeded_balanced_and_shaped(lab: model.Lab) -> None:
    again = model.make_dataset(0)
    np.testing.assert_array_equal(again.X_train, lab.data.X_train)
    assert lab.data.X_train.shape == (model.N_TRAIN, 1, model.SIDE, model.SIDE)
    assert lab.data.X_test.shape == (model.N_TEST, 1, model.SIDE, model.SIDE)
    assert np.bincount(lab.data.y_train).tolist() == [model.N_TRAIN // len(model.CLASSES)] * len(
        model.CLASSES
    )
    assert not np.array_equal(model.make_dataset(1).X_train, lab.data.X_train)
    # every clean shape is 5 to 8 pixels long (a cross or corner: two arms sharing at most one pixel)
    rng = np.random.default_rng(0)
    for kind in range(len(model.CLASSES)):
        for _ in range(20):
            on = int(model.draw_shape(kind, rng).sum())
            assert model.BAR[0] <= on <= 2 * model.BAR[1] - 1


def test_window_position_adds_up_to_z(step) -> None:
    for k in (0, 7, 99):
        p = model.position(step, 1, k)
        assert p.products.sum() + p.bias == pytest.approx(p.z, abs=1e-12)
        assert (p.i, p.j) == divmod(k, 10)


def test_running_sum_ends_at_the_engines_dK(step) -> None:
    for u, v in ((0, 0), (1, 2), (2, 2)):
        r = model.running_sum(step, 0, 0, u, v)
        assert r.running[-1] == pytest.approx(r.total, abs=1e-14)
        assert r.running[0] == r.terms[0, 0]


def test_full_convolution_view_equals_engine_dx(step) -> None:
    f = model.full_conv_view(step, 2, 0)
    np.testing.assert_allclose(f.dx, f.engine_dx, atol=1e-15)
    np.testing.assert_array_equal(f.flipped, step.convs[0].conv.K[2, 0, ::-1, ::-1])
    assert f.padded.shape == (14, 14)


def test_parameter_count(lab: model.Lab) -> None:
    count = model.param_count(lab.net)
    # 4 filters of 3x3 plus 4 biases; dense: 144 inputs to 4 * 10 * 10 = 400 outputs
    assert (count.conv, count.n_in, count.n_out, count.dense) == (40, 144, 400, 144 * 400 + 400)


def test_training_lowers_the_loss_and_keeps_the_start(lab: model.Lab) -> None:
    trained = model.train(lab, 30, 0.3, "sgd")
    assert trained.iteration == 30 and len(trained.losses) == 31
    assert trained.losses[-1] < trained.losses[0]
    assert lab.iteration == 0 and trained.net is not lab.net
    assert len(model.misclassified(trained)) <= model.MISCLASSIFIED_SHOWN


def test_figures_write_every_number() -> None:
    grid = figures.grid_figure(np.array([[0.0, -0.0001], [1.234, np.nan]]), "t", decimals=2)
    assert list(grid.data[0].text.ravel()) == ["0", "0.00", "1.23", ""]
    assert grid.layout.yaxis.autorange == "reversed"
    marks = figures.grid_figure(np.ones((2, 2)), "t", marks=np.eye(2, dtype=bool))
    assert list(marks.data[1].x) == [0, 1]


def test_on_the_learning_path_last() -> None:
    assert LEARNING_PATH[-1][0] == "pages/7_Convolutions.py"


# -- the page --------------------------------------------------------------------------------------------


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def headers(at: AppTest) -> list[str]:
    return [h.value for h in at.header]


def test_page_opens_with_every_section_and_the_try_this(app: AppTest) -> None:
    assert app.title[0].value.endswith("Convolutions and max-pooling")
    for section in ("1 · The images", "2 · Forward", "3 · Backward", "4 · Train live"):
        assert any(h.startswith(section) for h in headers(app))
    assert any("Try this" in m.value for m in app.markdown)
    assert any(e.label.endswith("The same in PyTorch") for e in app.expander)
    assert sum(e.label.endswith("Show the code") for e in app.expander) == 3
    assert app.code[0].value.startswith("z[0, 0] = ")


def test_forward_steps_the_window(app: AppTest) -> None:
    app.button(key="cv_next").click().run()
    assert app.session_state.cv_pos == 1 and app.code[0].value.startswith("z[0, 1] = ")
    app.button(key="cv_prev").click().run()
    app.button(key="cv_prev").click().run()
    assert app.session_state.cv_pos == 99  # wraps around to the last position
    app.toggle(key="cv_zoom").set_value(True).run()
    app.number_input(key="cv_img").set_value(4).run()
    assert not app.exception and "corner" in " ".join(c.value for c in app.caption)


@pytest.mark.parametrize("layers", [1, 2])
def test_backward_every_step(app: AppTest, layers: int) -> None:
    app.radio(key="cv_layers").set_value(layers).run()
    for name in BACK_STEPS:
        app.session_state.cv_back = name
        app.run()
        assert not app.exception, name
    app.session_state.cv_back = BACK_STEPS[3]
    app.run()
    app.button(key="cv_knext").click().run()
    dk = [c.value for c in app.code if c.value.startswith("position 1 = ")]
    assert dk and "after 2 of" in dk[0]
    assert ("Input channel" in " ".join(s.label for s in app.selectbox)) == (layers == 2)


def test_train_step_reset_and_settings(app: AppTest) -> None:
    app.button(key="cv_step").click().run()
    assert app.session_state.cv_lab.iteration == 1
    app.button(key="cv_train").click().run()
    assert app.session_state.cv_lab.iteration == 1 + TRAIN_N
    assert app.metric[0].value == str(1 + TRAIN_N)
    app.selectbox(key="cv_opt").set_value("adam").run()
    app.button(key="cv_step").click().run()
    assert app.session_state.cv_lab.optimizer == "adam" and app.session_state.cv_lab.state.name == "adam"
    app.button(key="cv_reset").click().run()
    assert app.session_state.cv_lab.iteration == 0
    app.selectbox(key="cv_filter").set_value(4).run()
    app.select_slider(key="cv_filters").set_value(2).run()  # filter 4 of 4 was shown; now only 2 exist
    assert app.session_state.cv_lab.net.K[0].shape == (2, 1, 3, 3)
    assert not app.exception and app.session_state.cv_filter == 2


def test_play_flag_trains_one_tick(app: AppTest) -> None:
    # fragments do not tick in AppTest: switch Play on and check one run of the panel trains
    app.session_state.cv_playing = True
    app.run()
    assert app.session_state.cv_lab.iteration > 0
    app.session_state.cv_playing = False
    app.run()
    assert not app.exception


def chart_keys(at: AppTest) -> set[str]:
    return {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}


def test_charts_in_closed_expanders_are_built_only_once_opened(app: AppTest) -> None:
    """The probabilities and the wrong images (ui/lazy.py): absent while closed, drawn once opened."""
    app.button(key="cv_step").click().run()
    assert not app.exception
    lazy = {"cv_probs_chart", "cv_wrong_chart"}
    assert not lazy & chart_keys(app) and "cv_filters_chart" in chart_keys(app)
    # the output block's numbers are there while closed; only its chart waits
    assert any(m.value.startswith("Flatten: the ") for m in app.markdown)
    assert any("test images the network gets wrong" in e.label for e in app.expander)
    app.session_state["cv_output_open"] = True
    app.session_state["cv_wrong_open"] = True
    app.run()
    assert not app.exception
    assert lazy <= chart_keys(app)
