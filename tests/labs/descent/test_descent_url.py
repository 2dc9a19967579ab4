"""The gradient descent lab's URL: every section's settings in it, crafted values refused with a
notice that shows them only as short inline code, and a reload that restores every section.

The crafted values live in ``tests/corpus/url_descent.txt`` (parameter, JSON string, ok/bad).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from labs.descent.view_settings import DEFAULTS, URL_PARAMS, exact_text
from ui.echo import quoted
from ui.urlstate import url_notice

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "3_Gradient_descent.py")
CORPUS = ROOT / "tests" / "corpus" / "url_descent.txt"
BY_NAME = {p.name: p for p in URL_PARAMS}
LONG = "9" * 10_000  # a number far outside every range, 10,000 characters long


def corpus() -> list[tuple[str, str, str]]:
    """``(parameter, value, verdict)`` for every case; ``*`` expanded to every parameter."""
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, value, verdict = line.split("\t")
        names = list(BY_NAME) if name == "*" else [name]
        cases += [(n, json.loads(value), verdict) for n in names]
    cases += [(n, LONG, "bad") for n in BY_NAME]
    return cases


CASES = corpus()
GENERIC = [
    json.loads(line.split("\t")[1]) for line in CORPUS.read_text().splitlines() if line.startswith("*\t")
]


def test_the_corpus_covers_every_parameter_with_good_and_bad_values() -> None:
    assert set(BY_NAME) == {n for n, _, _ in CASES}
    assert len(BY_NAME) == 24  # 3 + 11 + 6 + 4: every setting of the four sections
    assert {p.key for p in URL_PARAMS} == {k for k in DEFAULTS}
    for name in BY_NAME:
        verdicts = {v for n, _, v in CASES if n == name}
        assert verdicts == {"ok", "bad"}, name


@pytest.mark.parametrize(("name", "value", "verdict"), CASES, ids=lambda v: str(v)[:20])
def test_each_crafted_value_is_read_or_refused_with_a_safe_message(
    name: str, value: str, verdict: str
) -> None:
    setting = BY_NAME[name]
    if verdict == "ok":
        parsed = setting.parse(value)
        # what the page writes back reads back to the same value
        assert setting.parse(setting.dump(parsed)) == parsed
        return
    with pytest.raises(ValueError) as caught:
        setting.parse(value)
    message = url_notice(name, value, caught.value)
    # the value only as inline code, shortened: nothing of it can become a link, image or heading
    assert quoted(value) in message or not value.strip(), message
    assert len(message) < 300
    outside_code = re.sub(r"`[^`]*`", "", message)
    for mark in ("](", "<", "\n", "#", "$"):
        assert mark not in outside_code.replace(f"\\{mark}", ""), (mark, message)


def _notice(app: AppTest) -> str:
    found = [w.value for w in app.warning if "could not be used" in w.value]
    assert len(found) == 1, [w.value for w in app.warning]
    return found[0]


def _state(app: AppTest) -> dict:
    return {p.key: app.session_state[p.key] for p in URL_PARAMS}


@pytest.mark.parametrize("value", [*GENERIC[:8], GENERIC[15], GENERIC[17], LONG], ids=lambda v: repr(v)[:20])
def test_a_link_with_a_crafted_value_in_every_parameter_keeps_every_default(value: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params.update({name: value for name in BY_NAME})
    app.run()
    assert not app.exception
    notice = _notice(app)
    for name in BY_NAME:
        assert f"`{name}`" in notice
    assert quoted(value) in notice or quoted(value).startswith("*(")
    assert len(notice) < 24 * 200
    assert _state(app) == {p.key: DEFAULTS[p.key] for p in URL_PARAMS}
    # the address now holds the defaults, every parameter written back
    assert {k: app.query_params[k] for k in BY_NAME} == {p.name: p.dump(DEFAULTS[p.key]) for p in URL_PARAMS}


def test_every_section_s_good_values_are_used_without_a_notice() -> None:
    link = {
        "s1_lr": "0.03", "s1_w0": "-1.5", "s1_steps": "20",
        "surface": "ravine", "w1": "-6.5", "lr_sgd": "0.05", "beta": "0.5",
        "s3_lr": "1", "s3_epochs": "3", "s3_batch": "4", "s3_seed": "7", "s3_w": "-1.25", "s3_b": "2",
        "s4_forget": "1", "s4_lr": "0.04", "s4_steps": "40", "s4_k": "7",
    }  # fmt: skip
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params.update(link)
    app.run()
    assert not app.exception
    assert not [w for w in app.warning if "could not be used" in w.value]
    for name, text in link.items():
        assert app.session_state[BY_NAME[name].key] == BY_NAME[name].parse(text), name
    # values the link did not give: the ravine's own (section 2) and the defaults (elsewhere)
    assert app.session_state["gd_s2_lr_adam"] == 0.3 and app.session_state["gd_s2_w2"] == 1.5


def _tables(app: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in app.dataframe]


def test_a_reload_restores_every_section() -> None:
    """Change something in every section, reload with the URL the page wrote: the same page."""
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["gd_s4_accum_open"] = True  # its slider is drawn only once opened (ui/lazy.py)
    app.run()
    app.select_slider(key="gd_s1_lr").set_value(0.03)
    app.slider(key="gd_s1_w0").set_value(6.2)
    app.slider(key="gd_s1_steps").set_value(33).run()
    app.selectbox(key="gd_s2_surface").select("curved valley").run()
    app.number_input(key="gd_s2_w1").set_value(-1.234567891)
    app.number_input(key="gd_s2_thr").set_value(0.0123)
    app.select_slider(key="gd_s2_lr_adam").set_value(0.05)
    app.select_slider(key="gd_s2_beta2").set_value(0.99)
    app.select_slider(key="gd_s3_lr").set_value(2.0)
    app.slider(key="gd_s3_epochs").set_value(4)
    app.select_slider(key="gd_s3_batch").set_value(8)
    app.number_input(key="gd_s3_seed").set_value(42)
    app.number_input(key="gd_s3_b").set_value(-1.7)
    app.toggle(key="gd_s4_forget").set_value(True)
    app.select_slider(key="gd_s4_lr").set_value(0.02)
    app.slider(key="gd_s4_steps").set_value(25)
    app.slider(key="gd_s4_k").set_value(5).run()
    assert not app.exception
    before = _state(app)
    assert sum(before[k] != DEFAULTS[k] for k in before) >= 17
    url = {k: app.query_params[k] for k in app.query_params}
    assert set(BY_NAME) <= set(url)
    # the share link shows that very URL
    assert any("s4_forget=1" in c.value and "s1_w0=6.2" in c.value for c in app.code)

    reloaded = AppTest.from_file(PAGE, default_timeout=60)
    reloaded.session_state["gd_s4_accum_open"] = True
    reloaded.query_params.update(url)
    reloaded.run()
    assert not reloaded.exception
    assert not [w for w in reloaded.warning if "could not be used" in w.value]
    assert _state(reloaded) == before
    for mine, theirs in zip(_tables(app), _tables(reloaded), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_exact_text_reads_back_to_the_same_number() -> None:
    for value in (0.1 + 0.2, -8.0, 1e-300, 123456.789012345, 0.045):
        assert float(exact_text(value)) == value
    assert exact_text(-8.0) == "-8" and exact_text(3) == "3" and exact_text(True) == "True"
