"""Backprop Lab's engine: small multilayer perceptrons in numpy with every number of an iteration kept.

Layer ``l = 0`` is the first layer after the input (the app shows it as "layer 1").
``W[l]``: ``(n_in, n_out)``; ``z = a_prev @ W + b``; ``delta = dL/dz``; ``dW = dL/dW``.
"""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, Activation, get_activation
from .datasets import (
    CLASSIC_WEIGHT_NAMES,
    DATASETS,
    EXAMPLES,
    Dataset,
    Example,
    classic_222,
    get_dataset,
    make_dataset,
    single_weight,
    train_test_split,
)
from .engine import backward, compute_loss, evaluate, forward, l2_penalty, predict, train_step, update
from .explain import DownstreamPath, WeightExplanation, explain_weight
from .gradcheck import GradCheck, gradient_check
from .losses import LOSSES, Loss, check_pairing, get_loss, pairing_problem, valid_losses
from .network import INIT_SCHEMES, MAX_HIDDEN_LAYERS, MAX_WIDTH, MLP
from .optimizers import OPTIMIZERS, Optimizer, OptimizerState
from .runner import Data, Record, RunResult, RunState, TrainConfig, accuracy, history_columns, run
from .trace import BackwardTrace, ForwardTrace, LossTrace, StepTrace, UpdateTrace

__all__ = [
    "ACTIVATIONS",
    "CLASSIC_WEIGHT_NAMES",
    "DATASETS",
    "EXAMPLES",
    "HIDDEN_ACTIVATIONS",
    "INIT_SCHEMES",
    "LOSSES",
    "MAX_HIDDEN_LAYERS",
    "MAX_WIDTH",
    "MLP",
    "OPTIMIZERS",
    "Activation",
    "BackwardTrace",
    "Data",
    "Dataset",
    "DownstreamPath",
    "Example",
    "ForwardTrace",
    "GradCheck",
    "Loss",
    "LossTrace",
    "Optimizer",
    "OptimizerState",
    "Record",
    "RunResult",
    "RunState",
    "StepTrace",
    "TrainConfig",
    "UpdateTrace",
    "WeightExplanation",
    "accuracy",
    "backward",
    "check_pairing",
    "classic_222",
    "compute_loss",
    "evaluate",
    "explain_weight",
    "forward",
    "get_activation",
    "get_dataset",
    "get_loss",
    "gradient_check",
    "history_columns",
    "l2_penalty",
    "make_dataset",
    "pairing_problem",
    "predict",
    "run",
    "single_weight",
    "train_step",
    "train_test_split",
    "update",
    "valid_losses",
]
