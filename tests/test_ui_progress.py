"""ui.progress.progress_controls: Save progress / Load progress on a small AppTest page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from backprop_core.progress import dump_progress
from ui.progress import load_uploaded, progress_file_name

APP = Path(__file__).parent / "apps" / "progress_app.py"


def fresh() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=30).run()


def upload(at: AppTest, data: bytes) -> AppTest:
    at.get("file_uploader")[0].upload(progress_file_name("demo"), data, "application/json")
    return at.run()


def test_the_save_button_and_the_uploader_are_drawn() -> None:
    at = fresh()
    assert not at.exception
    assert at.get("download_button")[0].proto.label == "💾 Save progress"
    assert at.get("file_uploader")[0].proto.label == "Load progress"


def test_a_good_file_restores_the_state_and_says_what() -> None:
    at = fresh()
    upload(at, dump_progress("demo", {"count": 7, "history": [1 / 3, 2 / 3]}))
    assert not at.exception
    assert at.session_state.demo_count == 7
    assert at.session_state.demo_history == [1 / 3, 2 / 3]
    assert at.success[0].value == "Progress loaded: iteration 7"
    assert "count 7" in [m.value for m in at.markdown]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"[" * 1_000_000, "levels deep"),
        (b'{"a": ' + b"1" * 4400 + b"}", "4400 digits"),
        (b"\xff\xfe\x00", "UTF-8"),
        (dump_progress("other", {"count": 1, "history": []}), "another page"),
        (json.dumps({"format": 9, "lab": "demo", "payload": {}}).encode(), "newer version"),
        (dump_progress("demo", {"history": []}), "no 'count'"),
        (dump_progress("demo", {"count": -3, "history": []}), "not a whole number"),
        (dump_progress("demo", {"count": 2, "history": [[1]]}), "damaged or incomplete"),
        (b"[Your session expired](http://127.0.0.1:9/login)", "not valid JSON"),
    ],
)
def test_a_bad_file_shows_a_message_and_changes_nothing(data: bytes, says: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state.demo_count = 5
    at.session_state.demo_history = [0.5]
    at.run()
    before = (at.session_state.demo_count, list(at.session_state.demo_history))
    upload(at, data)
    assert not at.exception
    assert (at.session_state.demo_count, at.session_state.demo_history) == before
    shown = re.sub(r"\\(.)", r"\1", at.error[0].value)  # as the learner reads it
    assert len(at.error) == 1 and says in shown, shown
    assert "Traceback" not in at.error[0].value and "](" not in at.error[0].value


def test_load_uploaded_escapes_a_message_that_repeats_file_content() -> None:
    def load(payload: dict) -> str:
        raise ValueError(f"unknown name {payload['name']}")

    ok, message = load_uploaded("demo", dump_progress("demo", {"name": "![x](http://a/b.png)\n\n# H"}), load)
    assert not ok
    assert "![x](" not in message and "\n" not in message
    assert "\\!\\[x\\]\\(http\\:" in message
