"""The playground page's links and progress files in AppTest: what the link holds, Save/Load progress."""

from __future__ import annotations

from backprop_core.progress import dump_progress
from labs.playground.view_progress import LAB, progress_payload
from labs.playground.view_settings import read_settings
from tests.labs.playground.test_page_playground import GOOD_CSV, counter, ok, run_app, spec


def test_chart_view_toggles_travel_in_the_link() -> None:
    at = ok(run_app())
    at.toggle(key="pg_show_test").set_value(False).run()
    at.toggle(key="pg_log").set_value(True).run()
    at.radio(key="pg_edges").set_value("gradient").run()
    query = {k: at.query_params[k] for k in ("testpts", "logloss", "edges")}
    query = {k: v[0] if isinstance(v, list) else v for k, v in query.items()}
    assert query == {"testpts": "0", "logloss": "1", "edges": "gradient"}
    share = next(c.value for c in at.code if "ds=circle" in c.value)
    assert "testpts=0" in share and "logloss=1" in share and "edges=gradient" in share
    opened = ok(run_app(**query))
    assert opened.toggle(key="pg_show_test").value is False and opened.toggle(key="pg_log").value is True
    assert opened.radio(key="pg_edges").value == "gradient"
    assert spec(opened, "pg_loss_chart")["layout"]["yaxis"]["type"] == "log"


def test_after_a_csv_upload_the_link_says_the_data_is_not_in_it() -> None:
    at = ok(run_app())
    at.file_uploader(key="pg_upload").upload("mine.csv", GOOD_CSV["binary"][0], "text/csv").run()
    captions = " ".join(c.value for c in at.caption)
    assert "same link gives the same data" not in captions
    assert "not your uploaded data" in captions


def test_save_and_load_progress_through_the_page() -> None:
    at = ok(run_app(ds="moons", opt="adam", lr="0.01", batch="20"))
    for _ in range(7):
        at.button(key="pg_step").click().run()
    saved = dump_progress(LAB, progress_payload(at.session_state))
    expected = at.session_state["pg_run"]
    other = ok(run_app())
    other.file_uploader(key="pg_file").upload(
        "backprop-lab-playground-progress.json", saved, "application/json"
    )
    other.run()
    ok(other)
    assert "Progress loaded: iteration 7 on moons" in " ".join(x.value for x in other.success)
    r = other.session_state["pg_run"]
    assert (
        r.iteration == 7
        and r.state.net == expected.state.net
        and r.state.opt_state == expected.state.opt_state
    )
    assert (
        read_settings(other.session_state).opt == "adam"
        and other.selectbox(key="pg_dataset").value == "moons"
    )
    assert counter(other).startswith("**Iteration 7**")
    other.button(key="pg_step").click().run()
    at.button(key="pg_step").click().run()
    assert other.session_state["pg_run"].state.net == at.session_state["pg_run"].state.net
    # a newer file is refused and nothing changes
    before = other.session_state["pg_run"]
    newer = saved.replace(b'"format":1', b'"format":2')
    other.file_uploader(key="pg_file").upload("newer.json", newer, "application/json").run()
    assert "made by a newer version of Backprop Lab" in " ".join(e.value for e in other.error)
    assert other.session_state["pg_run"] is before
