"""A share link on every page: the page's full URL with its settings, in a block with a copy button.

A page first writes its complete state into ``st.query_params`` (``ui.urlstate.write_url``), then
calls ``share_link``. The link is ``st.context.url`` (the browser's address without its query)
plus the current query parameters; where there is no browser (AppTest) it falls back to the
page's own path, so the block still shows what a link would restore.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx


def page_path() -> str:
    """The current page's path, e.g. ``/Training_playground`` (``/`` for the landing page)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return "/"
    manager = ctx.pages_manager
    info = manager.get_pages().get(manager.current_page_script_hash) or {}
    return "/" + (info.get("url_pathname") or "")


def page_url(query: Mapping[str, str]) -> str:
    """The address of this page with ``query`` as its query string."""
    base = st.context.url or page_path()
    if not urlsplit(base).path:  # the landing page: "http://host:port" -> "http://host:port/"
        base += "/"
    text = urlencode(dict(query))
    return f"{base}?{text}" if text else base


def share_link(*, key: str, note: str = "") -> None:
    """A visible "Copy link" block: the page's full URL (with its settings) and what it restores.

    ``note`` says what the link restores (e.g. "the data set, the network and the learning
    rate; not the training run: use Save progress for that"). ``key`` names the container
    (``{key}_share``) so tests and CSS can find it.
    """
    query = {k: st.query_params[k] for k in st.query_params}
    with st.container(key=f"{key}_share"):
        st.markdown("**🔗 Copy link** — the copy button is at the right of the box.")
        # one line that scrolls sideways: the copy button takes all of it, and a wrapped link took three
        # or four lines of every page (issue 12: six screens)
        st.code(page_url(query), language=None, wrap_lines=False)
        st.caption(note or "The link opens this page with the settings you see now.")
