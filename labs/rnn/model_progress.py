"""The BPTT lab's progress file: the training session as JSON data and back, checked (numpy only).

``session_payload(session, options)`` holds everything needed to continue exactly: the setup, the
training options (learning rate, optimizer, clipping, truncation, updates per Step), the network's
five arrays, the optimizer's memory (step count and slots), the loss before every update, the
accuracy history and the divergence flag. Training is full-batch and draws no random numbers, so
no random-number state is needed: the same network, memory and options give the same next updates.
``session_from_payload`` refuses anything that does not fit with a learner ``ValueError``.
"""

from __future__ import annotations

import math

import numpy as np

from backprop_core.progress import (
    array_from_json,
    array_to_json,
    optimizer_state_from_json,
    optimizer_state_to_json,
    require,
)
from backprop_core.rnn import RNN

from .model import Session, Setup, start_session

LAB = "rnn"
SETUP_KEYS = ("task", "T", "hidden", "activation", "radius", "seed")
NET_KEYS = ("Wx", "Wh", "b", "Wy", "by")
MAX_HISTORY = 1_000_000


def session_payload(session: Session, options: dict) -> dict:
    """Everything the page needs to continue ``session`` exactly; ``options`` are the training controls."""
    setup = session.setup
    return {
        "setup": {k: getattr(setup, k) for k in SETUP_KEYS},
        "options": dict(options),
        "net": {k: array_to_json(getattr(session.net, k)) for k in NET_KEYS},
        "state": optimizer_state_to_json(session.state),
        "losses": list(session.losses),
        "accuracies": [[n, a] for n, a in session.accuracies],
        "diverged": session.diverged,
    }


def session_from_payload(payload: dict) -> tuple[Session, dict]:
    """The session and the raw training options saved by ``session_payload`` (options checked by the view)."""
    require(payload, "setup", "options", "net", "state", "losses", "accuracies", "diverged")
    raw = payload["setup"]
    if not isinstance(raw, dict):
        raise ValueError("The file's settings are damaged.")
    require(raw, *SETUP_KEYS)
    try:
        setup = Setup(**{k: raw[k] for k in SETUP_KEYS})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The file's settings cannot be used ({exc}).") from None
    if not all(isinstance(raw[k], int) and not isinstance(raw[k], bool) for k in ("T", "hidden", "seed")):
        raise ValueError("The file's settings hold a length, width or seed that is not a whole number.")
    fresh = start_session(setup)  # the shapes this setup implies
    net_raw = payload["net"]
    if not isinstance(net_raw, dict):
        raise ValueError("The file's network is damaged.")
    require(net_raw, *NET_KEYS)
    arrays = [array_from_json(net_raw[k], getattr(fresh.net, k).shape, k) for k in NET_KEYS]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("The file's network holds NaN or infinite weights.")
    net = RNN.from_params(*arrays, activation=setup.activation, output=fresh.net.output)
    state = optimizer_state_from_json(payload["state"], net.params)
    losses = payload["losses"]
    if not isinstance(losses, list) or len(losses) > MAX_HISTORY:
        raise ValueError("The file's loss history is damaged.")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in losses):
        raise ValueError("The file's loss history holds something that is not a number.")
    accs = payload["accuracies"]
    ok = isinstance(accs, list) and 0 < len(accs) <= MAX_HISTORY
    ok = ok and all(
        isinstance(p, list)
        and len(p) == 2
        and isinstance(p[0], int)
        and not isinstance(p[0], bool)
        and 0 <= p[0] <= len(losses)
        and isinstance(p[1], int | float)
        and math.isfinite(p[1])
        and 0 <= p[1] <= 1
        for p in accs
    )
    if not ok:
        raise ValueError("The file's accuracy history is damaged.")
    if not isinstance(payload["diverged"], bool):
        raise ValueError("The file's divergence flag is damaged.")
    if not isinstance(payload["options"], dict):
        raise ValueError("The file's training options are damaged.")
    session = Session(
        setup,
        net,
        state,
        tuple(float(v) for v in losses),
        tuple((int(n), float(a)) for n, a in accs),
        payload["diverged"],
    )
    return session, payload["options"]
