"""A synthetic learner: Streamlit's browser side of the websocket, without drawing anything.

``bench_classroom.py`` needs many learners pressing Play at once, and one headless Chromium
learner takes more than a core of a small machine, so with real browsers the browser, not the
server, is what runs out. A ``SyntheticLearner`` does what Streamlit's frontend (1.67) does on
the wire and nothing else:

* GETs the page, ``/_stcore/health`` (which sets the ``_streamlit_xsrf`` cookie) and
  ``/_stcore/host-config``, keeping every cookie (behind nginx, its ``bpl_route`` cookie pins the
  learner to one replica);
* opens ``/_stcore/stream`` with those cookies, the page's ``Origin`` and the subprotocols
  ``streamlit, <xsrf token>``, with the compression the library offers (as a browser does);
* asks for the page by name, then reruns with the page's script hash, the query string the app
  last wrote, the context info, the hashes of the messages it has cached and the full current
  widget states (each widget's value from its element, or the value the server set);
* presses Play: finds the segmented control whose key is ``<prefix>_play_mode`` and reruns with it
  set to ``▶ Play``;
* answers every ``auto_rerun`` message the way the frontend does: a fixed-rate timer per fragment
  (``setInterval``), which sends a rerun of that fragment with ``is_auto_rerun`` set every
  interval *without waiting for the previous run to finish* (the server folds requests that
  arrive during a run into one); a ``stop_auto_rerun`` or a full-page run clears the timers;
* keeps the frontend's message cache (cacheable messages by hash, aged per script run) so the
  server may answer with references, and resolves them;
* counts visible updates: the iteration shown by a marker element (a chart title, a metric label)
  arriving changed, as the browser draws it; and the runs' ``script_finished`` statuses (a run
  cut short for a newer one, ``FINISHED_EARLY_FOR_RERUN``, may have sent nothing).

Many learners share one asyncio loop in a background thread (``Classroom``), so a benchmark stays
synchronous: ``join`` one more playing learner, ``reset`` the counts, wait, read ``rates``.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

PLAY = "▶ Play"


@dataclass(frozen=True)
class Marker:
    """Where a page shows its iteration on the wire: an element type, its key, a regex with one group.

    ``element`` is ``"plotly_chart"`` (the regex is searched in the figure's JSON, so it should
    match the title only) or ``"metric"`` (searched in the label). ``key`` is the element's key
    (its id ends with it); ``None`` takes the first element of that type that matches.
    """

    element: str
    key: str | None
    pattern: str


def _marker_text(element: object, marker: Marker) -> str | None:
    kind = element.WhichOneof("type")
    if kind != marker.element:
        return None
    if kind == "plotly_chart":
        chart = element.plotly_chart
        if marker.key is not None and not chart.id.endswith(f"-{marker.key}"):
            return None
        return chart.spec
    if kind == "metric":
        return element.metric.label
    return None


def widget_state(element: object, old: WidgetState | None) -> WidgetState | None:
    """The state the frontend keeps for a widget element: the value the server set, else the one it
    already had, else the element's default. ``None`` for elements with no kept value (buttons)."""
    kind = element.WhichOneof("type")
    w = getattr(element, kind)
    state = WidgetState(id=w.id)
    set_value = getattr(w, "set_value", False)
    if old is not None and not set_value:
        return old
    if kind in ("checkbox",):
        state.bool_value = w.value if set_value else w.default
    elif kind in ("selectbox", "radio"):
        if set_value:
            state.string_value = w.raw_value
        elif w.HasField("default") and 0 <= w.default < len(w.options):
            state.string_value = w.options[w.default]
        else:
            return None
    elif kind == "multiselect":
        values = w.raw_values if set_value else [w.options[i] for i in w.default if 0 <= i < len(w.options)]
        state.string_array_value.data.extend(values)
    elif kind == "button_group":
        values = w.raw_values if set_value else [w.options[i].content for i in w.default]
        state.string_array_value.data.extend(values)
    elif kind == "slider":
        if w.options:  # select_slider: the formatted options
            values = w.raw_value if set_value else [w.options[int(i)] for i in w.default]
            state.string_array_value.data.extend(values)
        else:
            state.double_array_value.data.extend(w.value if set_value else w.default)
    elif kind == "number_input":
        value = w.value if set_value else w.default
        if w.data_type == w.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind in ("text_input", "text_area", "color_picker"):
        state.string_value = w.value if set_value else w.default
    elif kind == "file_uploader":
        state.file_uploader_state_value.SetInParent()
    else:
        return None
    return state


@dataclass
class _Cached:
    data: bytes
    run: int
    fragment_id: str


@dataclass
class SyntheticLearner:
    """One learner on ``url + path``: loads the page, presses Play (``play``: the control's key
    prefix, ``None`` when the page plays by itself) and counts updates of ``marker``.

    ``accept_route(route)``, if given, sees the ``bpl_route`` cookie nginx handed out; when it
    returns ``False`` the learner forgets its cookies and asks again (to pick a replica).
    """

    url: str
    path: str
    marker: Marker
    play: str | None
    accept_route: Callable[[str], bool] | None = None
    samples: list[tuple[float, int]] = field(default_factory=list)  # (time, iteration) per update
    finished: dict[int, int] = field(default_factory=dict)  # script_finished messages by status
    route: str | None = None
    error: str | None = None
    playing: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._re = re.compile(self.marker.pattern)
        self._states: dict[str, WidgetState] = {}
        self._seen_this_run: set[str] = set()
        self._cache: dict[str, _Cached] = {}
        self._run_count = 0
        self._max_age = 2
        self._fresh_session = False
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._page_hash = ""
        self._query = ""
        self._fragments: list[str] = []
        self._play_id: str | None = None
        self._play_fragment = ""
        self._pressed = False

    # ------------------------------------------------------------------ HTTP, as the page load does
    def _load_page(self) -> dict[str, str]:
        for _ in range(30):
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            with opener.open(self.url + self.path, timeout=60) as r:
                r.read()
            cookies = {c.name: c.value for c in jar}
            self.route = cookies.get("bpl_route")
            if self.accept_route is None or self.route is None or self.accept_route(self.route):
                break
        for endpoint in ("/_stcore/health", "/_stcore/host-config"):
            with opener.open(self.url + endpoint, timeout=60) as r:
                r.read()
        return {c.name: c.value for c in jar}

    # ------------------------------------------------------------------ what the frontend sends
    def _rerun(self, fragment_id: str = "", auto: bool = False, first: bool = False) -> bytes:
        state = ClientState(query_string=self._query, fragment_id=fragment_id, is_auto_rerun=auto)
        if first:
            state.page_name = self.path.strip("/")
        else:
            state.page_script_hash = self._page_hash
            state.widget_states.widgets.extend(self._states.values())
        state.cached_message_hashes.extend(self._cache)
        ctx = state.context_info
        ctx.timezone, ctx.timezone_offset, ctx.locale = "UTC", 0, "en-US"
        ctx.url, ctx.is_embedded, ctx.color_scheme = self.url + self.path, False, "light"
        self._fresh_session = False
        return BackMsg(rerun_script=state).SerializeToString()

    async def _every(self, ws: object, fragment_id: str, interval: float) -> None:
        """``setInterval``: a rerun of the fragment every ``interval`` s, whether or not the last
        one has finished; a late timer does not fire twice to catch up."""
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            await ws.send(self._rerun(fragment_id, auto=True))
            due = max(due + interval, loop.time())

    def _clear_timers(self, fragment_ids: list[str] | None = None) -> None:
        for fid in list(self._timers) if fragment_ids is None else fragment_ids:
            if fid in self._timers:
                self._timers.pop(fid)[1].cancel()

    # ------------------------------------------------------------------ what the server sends
    def _resolve(self, data: bytes) -> ForwardMsg:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind != "ref_hash" and msg.metadata.cacheable and msg.hash and msg.hash not in self._cache:
            frag = msg.delta.fragment_id if kind == "delta" else ""
            self._cache[msg.hash] = _Cached(data, self._run_count, frag)
        if kind == "ref_hash":
            cached = self._cache[msg.ref_hash]
            cached.run = self._run_count
            metadata = msg.metadata
            msg = ForwardMsg()
            msg.ParseFromString(cached.data)
            msg.metadata.CopyFrom(metadata)
        return msg

    def _age_cache(self) -> None:
        """The frontend's ``incrementRunCount``: messages unused for more than the maximum age go,
        after a fragment run only those of the fragments that ran."""
        self._run_count += 1
        for h, c in list(self._cache.items()):
            if self._fragments and (not c.fragment_id or c.fragment_id not in self._fragments):
                continue
            if self._run_count - c.run > self._max_age:
                del self._cache[h]

    def _on_element(self, msg: ForwardMsg) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        text = _marker_text(element, self.marker)
        if text is not None and (m := self._re.search(text)):
            self._show(int(m.group(1)))
        widget = getattr(element, kind)
        wid = getattr(widget, "id", "") if kind not in ("plotly_chart", "vega_lite_chart") else ""
        if not wid:
            return
        self._seen_this_run.add(wid)
        state = widget_state(element, self._states.get(wid))
        if state is not None:
            self._states[wid] = state
        if self.play and kind == "button_group" and wid.endswith(f"-{self.play}_play_mode"):
            self._play_id, self._play_fragment = wid, msg.delta.fragment_id

    def _show(self, value: int) -> None:
        """The marker arrived: an update if its number changed (the browser draws a delta when it
        arrives, even from a run that a newer one then cuts short)."""
        if not self.samples or self.samples[-1][1] != value:
            self.samples.append((time.monotonic(), value))
            if self._pressed or not self.play:
                self.playing.set()

    def _finished(self, status: int) -> None:
        self.finished[status] = self.finished.get(status, 0) + 1
        if not self._fragments and status == ForwardMsg.FINISHED_SUCCESSFULLY:
            # the frontend forgets the widgets a full run did not draw
            self._states = {k: v for k, v in self._states.items() if k in self._seen_this_run}
        if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN and self._fresh_session:
            self._age_cache()

    async def run(self, stop: asyncio.Event) -> None:
        """Load the page, press Play, answer the auto-reruns until ``stop`` is set."""
        try:
            cookies = await asyncio.to_thread(self._load_page)
            parts = urlsplit(self.url)
            ws_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}/_stcore/stream"
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Origin": self.url}
            protocols = ["streamlit", cookies.get("_streamlit_xsrf", "")]
            async with connect(
                ws_url, subprotocols=protocols, additional_headers=headers, max_size=None, ping_interval=None
            ) as ws:
                await ws.send(self._rerun(first=True))
                reader = asyncio.create_task(self._read(ws))
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
                for task in (reader, stopper):
                    task.cancel()
                if reader.done() and not reader.cancelled() and reader.exception():
                    raise reader.exception()
        except Exception as exc:  # a benchmark reports what broke and goes on
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._clear_timers()
            self.playing.set()

    async def _read(self, ws: object) -> None:
        async for data in ws:
            msg = self._resolve(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self._fresh_session = True
                self._fragments = list(msg.metadata.run.fragment_ids)
                self._page_hash = self._page_hash or msg.new_session.page_script_hash
                if msg.new_session.config.max_cached_message_age:
                    self._max_age = msg.new_session.config.max_cached_message_age
                if not self._fragments:
                    self._clear_timers()
                    self._seen_this_run = set()
            elif kind == "navigation":  # the page that ran (new_session names the entry script)
                self._page_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                self._query = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._on_element(msg)
            elif kind == "auto_rerun":
                fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
                if fid and self._timers.get(fid, (None,))[0] != interval:
                    self._clear_timers([fid])
                    self._timers[fid] = (interval, asyncio.create_task(self._every(ws, fid, interval)))
            elif kind == "stop_auto_rerun":
                self._clear_timers(list(msg.stop_auto_rerun.fragment_ids))
            elif kind == "script_finished":
                self._finished(msg.script_finished)
                if self.play and not self._pressed and self._play_id is not None:
                    self._pressed = True
                    self._states[self._play_id] = WidgetState(id=self._play_id)
                    self._states[self._play_id].string_array_value.data.append(PLAY)
                    await ws.send(self._rerun(self._play_fragment))


class Classroom:
    """Synthetic learners on one asyncio loop in a daemon thread; the calls below block."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._stop = asyncio.run_coroutine_threadsafe(self._make_event(), self._loop).result()
        self.learners: list[SyntheticLearner] = []
        self._tasks: list[object] = []

    @staticmethod
    async def _make_event() -> asyncio.Event:
        return asyncio.Event()

    def join(self, learner: SyntheticLearner, timeout: float = 120.0) -> SyntheticLearner:
        """Start ``learner`` and wait until Play shows its first update (or it fails)."""
        self.learners.append(learner)
        self._tasks.append(asyncio.run_coroutine_threadsafe(learner.run(self._stop), self._loop))
        if not learner.playing.wait(timeout):
            learner.error = learner.error or f"no update within {timeout:.0f} s of pressing Play"
        return learner

    def reset(self) -> None:
        """Forget the updates counted so far (a measurement window starts)."""
        for learner in self.learners:
            learner.samples = learner.samples[-1:]
            learner.finished = {}

    def rates(self, window: float) -> list[float]:
        """Updates per second of every learner since ``reset``, over ``window`` seconds."""
        return [max(0, len(lr.samples) - 1) / window for lr in self.learners]

    def close(self) -> None:
        """Close every learner's websocket and stop the loop."""
        self._loop.call_soon_threadsafe(self._stop.set)
        for task in self._tasks:
            with contextlib.suppress(Exception):
                task.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
