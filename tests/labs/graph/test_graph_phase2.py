"""The computational-graph page on the phase-2 APIs: URL state and share link, crafted URL values
(tests/corpus/url_graph.txt), a typed expression never rendered as markdown, presenter mode."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from labs.graph.view import PARAMS
from tests.labs.url_corpus import (
    DANGEROUS,
    check_parse_messages,
    outside_code,
    read_corpus,
    run_corpus,
    shown_texts,
)

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "2_Computational_graph.py")


def test_every_refused_url_value_gets_a_quoted_message() -> None:
    assert (
        check_parse_messages(read_corpus("graph"), PARAMS) >= 60
    )  # the two text settings take any short text


def test_crafted_url_values_on_the_page() -> None:
    assert run_corpus(PAGE, "graph", PARAMS) >= 20


def test_the_link_restores_the_example_and_the_step() -> None:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update(
        {"preset": "custom", "expr": "a*b + a", "values": "a = 2, b = -3", "step": "2", "calls": "3"}
    )
    at.run()
    assert not at.exception
    s = at.session_state
    assert (s.cg_preset, s.cg_expr, s.cg_values, s.cg_step, s.cg_calls) == (
        "custom",
        "a*b + a",
        "a = 2, b = -3",
        2,
        3,
    )
    links = [c.value for c in at.get("code") if "preset=custom" in c.value]
    assert links and "step=2" in links[0] and "calls=3" in links[0] and "expr=a%2Ab+%2B+a" in links[0]
    assert "`backward()` has run **3** time(s)" in "\n".join(m.value for m in at.markdown)


def test_a_typed_expression_is_never_markdown() -> None:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.radio(key="cg_preset").set_value("custom").run()
    for expr, values in [
        ("x + [y](http://127.0.0.1:9/)", "x = 1"),
        ("x <script>alert(1)</script>", "x = 1"),
        ("x * 2", "x = ![x](http://127.0.0.1:9/x.png)"),
        ("x * 2", "x = 1, # heading"),
    ]:
        at.text_input(key="cg_expr").set_value(expr)
        at.text_input(key="cg_values").set_value(values).run()
        assert not at.exception
        assert at.error, (expr, values)  # refused with a message
        for text in shown_texts(at):
            for piece in DANGEROUS:
                assert piece not in outside_code(text).replace("\\", ""), (piece, text)


def test_presenter_mode_from_the_link() -> None:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["presenter"] = "1"
    at.run()
    assert not at.exception and at.session_state.presenter is True
