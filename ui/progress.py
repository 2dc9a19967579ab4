"""Save progress / Load progress: one file with everything a lab needs to continue exactly.

``progress_controls`` draws a download button (the file ``backprop-lab-<lab>-progress.json`` built
by ``backprop_core.progress.dump_progress`` from the lab's ``dump()``) and an uploader. A chosen
file is read in the uploader's callback, before the page's widgets exist, so ``load(payload)``
may set widget keys in ``st.session_state``. A bad file shows a message and changes nothing (the
lab's ``load`` must validate the whole payload before it changes any state); a good one shows
"Progress loaded: ..." with the text ``load`` returned.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from backprop_core.progress import MAX_PROGRESS_BYTES, dump_progress, load_progress
from ui.echo import plain_text

UPLOAD_LIMIT_MB = 5


def progress_file_name(lab: str) -> str:
    """The name of ``lab``'s progress file."""
    return f"backprop-lab-{lab}-progress.json"


def load_uploaded(lab: str, data: bytes, load: Callable[[dict], str | None]) -> tuple[bool, str]:
    """Read a progress file and hand its payload to ``load``: ``(ok, message for the learner)``."""
    try:
        payload = load_progress(data, lab, max_bytes=MAX_PROGRESS_BYTES)
        said = load(payload)
    except ValueError as exc:
        return False, f"This file could not be loaded: {plain_text(exc)} Nothing was changed."
    except (KeyError, TypeError, IndexError, AttributeError, OverflowError):
        # a payload of the right shape at the top but damaged inside, met by the lab's reader
        return False, "This progress file is damaged or incomplete and could not be loaded."
    return True, f"Progress loaded: {said}" if said else "Progress loaded."


def progress_controls(
    lab: str,
    *,
    key: str,
    dump: Callable[[], dict],
    load: Callable[[dict], str | None],
    note: str = "",
    save_off: str | None = None,
    stacked: bool = False,
) -> None:
    """A "Save progress" download button and a "Load progress" uploader for ``lab``.

    Side by side, or ``stacked`` one above the other (in the sidebar, where a side-by-side button
    was cut to "💾 S…").

    ``dump()`` returns the payload (JSON data, numpy arrays, numbers), called only when the
    learner clicks Save; ``load(payload)`` restores it or raises ``ValueError`` with a learner
    message, and returns a short text saying what was restored. Widget keys: ``{key}_save``,
    ``{key}_file``; the last message lives in ``st.session_state[f"{key}_message"]``.
    ``save_off``: why Save cannot be offered now (e.g. the file could not be loaded back); the
    button is then disabled and the reason shown under it.
    """
    message_key = f"{key}_message"
    file_key = f"{key}_file"

    def on_upload() -> None:
        uploaded = st.session_state.get(file_key)
        if uploaded is None:
            st.session_state.pop(message_key, None)
            return
        st.session_state[message_key] = load_uploaded(lab, uploaded.getvalue(), load)

    with st.container(key=f"{key}_progress"):
        if stacked:
            save, upload = st.container(), st.container()
        else:
            save, upload = st.columns([1, 2], vertical_alignment="center")
        save.download_button(
            "💾 Save progress",
            data=lambda: dump_progress(lab, dump()),
            file_name=progress_file_name(lab),
            mime="application/json",
            key=f"{key}_save",
            on_click="ignore",
            disabled=save_off is not None,
            help="A file with everything needed to continue exactly where you are: settings, weights, "
            "optimizer state, iteration, history and random-number state.",
        )
        upload.file_uploader(
            "Load progress",
            type=["json"],
            key=file_key,
            on_change=on_upload,
            max_upload_size=UPLOAD_LIMIT_MB,
            help=f"A file saved with Save progress on this page ({progress_file_name(lab)}).",
        )
        if save_off is not None:
            st.caption(f"⚠️ {save_off}")
        if note:
            st.caption(note)
        ok_message = st.session_state.get(message_key)
        if ok_message:
            ok, message = ok_message
            (st.success if ok else st.error)(message, icon="✅" if ok else "⚠️")


def sidebar_progress(
    lab: str,
    *,
    key: str,
    dump: Callable[[], dict],
    load: Callable[[dict], str | None],
    note: str = "",
    save_off: str | None = None,
) -> None:
    """``progress_controls`` in the sidebar under "Your progress", stacked.

    In the sidebar the controls sit beside the settings they save and off the page's length (a lab
    fits in six screens at 1280x800); stacked, because side by side the Save button was cut.
    """
    with st.sidebar:
        st.subheader("Your progress")
        progress_controls(lab, key=key, dump=dump, load=load, note=note, save_off=save_off, stacked=True)
