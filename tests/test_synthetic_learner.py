"""The synthetic learner of bench_classroom keeps the widget states the browser would send.

What the frontend sends was read from Chromium's websocket frames on the training playground:
select_sliders as their formatted option, selectboxes and radios as the option's text, number
inputs as int or double, file uploaders as an empty state, buttons not at all.
"""

from __future__ import annotations

from streamlit.proto.Element_pb2 import Element
from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.synthetic_learner import widget_state


def _element(kind: str, **fields: object) -> Element:
    element = Element()
    widget = getattr(element, kind)
    widget.id = f"$$ID-abc-{kind}"
    for name, value in fields.items():
        target = getattr(widget, name)
        if isinstance(value, list):
            target.extend(value)
        else:
            setattr(widget, name, value)
    return element


def test_defaults_become_the_states_the_browser_sends() -> None:
    assert widget_state(_element("checkbox", default=True), None).bool_value is True
    select = widget_state(_element("selectbox", options=["tanh", "relu"], default=1), None)
    assert select.string_value == "relu"
    speed = widget_state(_element("slider", options=["1", "10", "100"], default=[1.0]), None)
    assert list(speed.string_array_value.data) == ["10"]
    layers = widget_state(_element("slider", default=[2.0]), None)
    assert list(layers.double_array_value.data) == [2.0]
    width = widget_state(_element("number_input", default=4.0, data_type=0), None)
    assert width.WhichOneof("value") == "int_value" and width.int_value == 4
    upload = widget_state(_element("file_uploader"), None)
    assert upload.WhichOneof("value") == "file_uploader_state_value"
    assert widget_state(_element("button"), None) is None


def test_a_value_the_server_set_wins_over_the_one_kept() -> None:
    kept = WidgetState(id="$$ID-abc-button_group")
    kept.string_array_value.data.append("⏸ Pause")
    element = _element("button_group", raw_values=["▶ Play"], set_value=True)
    assert list(widget_state(element, kept).string_array_value.data) == ["▶ Play"]
    element = _element("button_group", raw_values=["▶ Play"])  # not set by the server: keep
    assert widget_state(element, kept) is kept
