"""A multilayer perceptron for tabular binary classification, trained with PyTorch Lightning.

`MLPClassifier` is a plain scikit-learn estimator: it clones, takes
``set_params``, sits at the end of an imblearn pipeline and pickles before and
after ``fit``. torch and Lightning are imported inside ``fit`` (and torch when
predicting), so importing this module and instantiating the config are cheap.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from bankruptcy.core.params import invalid
from bankruptcy.models.labels import binary_targets

# Option name -> torch.nn class name (looked up when the network is built, so torch stays unloaded).
ACTIVATIONS = {
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "tanh": "Tanh",
}
OPTIMIZER_NAMES = ("adam", "adamw", "sgd")

# Lightning start-up noise that says nothing about this model (regexes on the warning text).
_LIGHTNING_NOISE = (
    r".*LeafSpec.*",  # torch 2.13 deprecation triggered inside Lightning's pytree helper
    r".*`srun` command is available.*",  # shown on machines with SLURM installed
    r".*no `val_dataloader`.*",  # expected with validation_fraction=0
)
_LIGHTNING_LOGGERS = ("lightning.pytorch", "lightning.fabric")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Feed-forward network for binary classification with early stopping.

    Each epoch shuffles the in-memory training tensors once and takes
    ``ceil(n / batch_size)`` optimizer steps on near-equal mini-batches of
    binary cross-entropy with logits. With a validation split, training stops
    after `patience` epochs without a lower validation loss and the weights of
    the best epoch are restored. The same `random_state` gives the same
    probabilities.

    Parameters
    ----------
    hidden_sizes : sequence of int, default=(64, 32)
        Width of each hidden layer; ``()`` gives logistic regression.
    activation : {"relu", "leaky_relu", "elu", "gelu", "silu", "tanh"}, default="relu"
        Non-linearity after each hidden layer.
    dropout : float, default=0.1
        Dropout probability after each hidden layer, in [0, 1).
    batch_norm : bool, default=False
        Batch normalisation after each hidden linear layer.
    lr : float, default=1e-3
        Learning rate.
    weight_decay : float, default=1e-4
        L2 penalty (decoupled for ``"adamw"``).
    batch_size : int, default=128
        Rows per optimizer step.
    max_epochs : int, default=200
        Upper bound on passes over the training rows.
    patience : int or None, default=15
        Epochs without a lower validation loss before stopping; None trains
        `max_epochs` epochs (best weights are still restored).
    validation_fraction : float, default=0.15
        Share of the rows given to `fit` held out, stratified, to monitor the
        validation loss (in a pipeline these are the rows after the sampler, so
        with SMOTE they include synthetic rows). 0 disables validation, early
        stopping and restoring.
    class_weight : {None, "balanced"} or dict, default=None
        "balanced" weights positive rows by ``n_negative / n_positive`` of the
        rows trained on; a dict ``{label: weight}`` gives positive rows
        ``weight[classes_[1]] / weight[classes_[0]]``.
    pos_weight : float or None, default=None
        Extra factor on the positive rows' loss, multiplied with the
        `class_weight` factor.
    optimizer : {"adam", "adamw", "sgd"}, default="adam"
        ``"sgd"`` uses momentum 0.9.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation split.
    progress_bar : bool, default=False
        Show Lightning's progress bar and start-up messages (keep off in sweeps).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the positive class.
    n_features_in_ : int
        Number of features seen in `fit`.
    feature_names_in_ : ndarray of str
        Column names seen in `fit`, when `X` was a DataFrame with string columns.
    weights_ : dict of str to ndarray
        The trained network's parameters (its ``state_dict`` as float64 arrays): what is
        saved, so a saved model holds plain arrays (skops-safe) and no torch objects.
    network_ : torch.nn.Sequential
        Trained network (eval mode, float64 so that a row's score does not
        depend on the other rows scored with it) mapping features to one logit; rebuilt
        from `weights_` on first use after loading.
    history_ : list of dict
        One ``{"epoch", "train_loss", "val_loss"}`` per epoch (val_loss NaN
        without validation).
    best_epoch_ : int
        Epoch (0-based) whose weights `network_` holds.
    n_epochs_ : int
        Epochs trained.
    pos_weight_ : float
        Positive-row loss weight used.
    """

    _parameter_constraints: dict = {
        "hidden_sizes": [list, tuple],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "pos_weight": [Interval(Real, 0, None, closed="neither"), None],
        "optimizer": [StrOptions(set(OPTIMIZER_NAMES))],
        "random_state": ["random_state"],
        "progress_bar": ["boolean"],
    }

    def __init__(
        self,
        hidden_sizes=(64, 32),
        activation="relu",
        dropout=0.1,
        batch_norm=False,
        lr=1e-3,
        weight_decay=1e-4,
        batch_size=128,
        max_epochs=200,
        patience=15,
        validation_fraction=0.15,
        class_weight=None,
        pos_weight=None,
        optimizer="adam",
        random_state=None,
        progress_bar=False,
    ):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.pos_weight = pos_weight
        self.optimizer = optimizer
        self.random_state = random_state
        self.progress_bar = progress_bar

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y):
        """Train the network on `X`, `y`.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric features without NaN or infinity (impute and scale first).
        y : array-like of shape (n_samples,)
            Two distinct class labels.

        Returns
        -------
        self : MLPClassifier
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float32)
        y01 = binary_targets(self, y)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        train_idx, val_idx = self._split(y01, seed)
        self.pos_weight_ = self._effective_pos_weight(y01[train_idx])

        with _isolated_training(seed, verbose=self.progress_bar):
            module = self._train(X, y01.astype(np.float32), train_idx, val_idx, seed)
        if module.best_state is not None:
            module.network.load_state_dict(module.best_state)
        network = module.network.double().eval()
        self.weights_ = {k: v.detach().numpy().copy() for k, v in network.state_dict().items()}
        self._network = network
        self.history_ = module.history
        self.n_epochs_ = len(module.history)
        self.best_epoch_ = module.best_epoch if val_idx is not None else self.n_epochs_ - 1
        return self

    @staticmethod
    def import_backend() -> None:
        """Import torch and Lightning (~4 s) now, e.g. once before forking fold workers.

        Workers forked afterwards inherit them: without this, each CV of a sweep's MLP jobs
        imported them again in every worker.
        """
        import bankruptcy.models._mlp_module  # noqa: F401  (torch, Lightning)

    @property
    def network_(self):
        """The trained torch network (built from `weights_` once per process)."""
        check_is_fitted(self)
        if getattr(self, "_network", None) is None:
            import torch

            from bankruptcy.models._mlp_network import build_network

            network = build_network(
                self.n_features_in_,
                list(self.hidden_sizes),
                ACTIVATIONS[self.activation],
                self.dropout,
                self.batch_norm,
            )
            state = {k: torch.from_numpy(np.array(v)) for k, v in self.weights_.items()}
            network.double().load_state_dict(state)
            self._network = network.eval()
        return self._network

    def __getstate__(self):
        # the torch network is a cache of `weights_`: never saved
        state = super().__getstate__()
        state.pop("_network", None)
        return state

    def decision_function(self, X):
        """Logit of the positive class ``classes_[1]``, shape (n_samples,)."""
        import torch

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with torch.inference_mode(), _one_torch_thread():
            return self.network_(_as_tensor(X)).squeeze(1).numpy()

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, 2), columns ordered as `classes_`."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """Predicted class label: ``classes_[1]`` where the logit is positive."""
        logits = self.decision_function(X)
        return self.classes_[(logits > 0).astype(int)]

    def _validate_params(self) -> None:
        """scikit-learn's checks of `_parameter_constraints`, then what they cannot state."""
        super()._validate_params()
        if not all(
            isinstance(size, Integral) and not isinstance(size, bool) and size > 0
            for size in self.hidden_sizes
        ):
            raise invalid(self, "hidden_sizes", "a list of positive ints")
        if isinstance(self.class_weight, dict) and not all(
            isinstance(weight, Real) and weight > 0 for weight in self.class_weight.values()
        ):
            raise invalid(self, "class_weight", "None, 'balanced' or a positive weight per class")

    def _split(self, y01: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Row indices for training and (stratified) validation; None without validation."""
        rows = np.arange(len(y01))
        if self.validation_fraction == 0:
            return rows, None
        try:
            return train_test_split(
                rows, test_size=self.validation_fraction, stratify=y01, random_state=seed
            )
        except ValueError as err:
            raise ValueError(
                f"MLPClassifier cannot hold out a stratified validation_fraction="
                f"{self.validation_fraction} of {len(y01)} rows ({err}); give more rows or set "
                "validation_fraction=0 (no early stopping)."
            ) from None

    def _effective_pos_weight(self, y01: np.ndarray) -> float:
        """Loss weight of positive rows from `class_weight` and `pos_weight`."""
        if isinstance(self.class_weight, dict):
            negative, positive = (self.class_weight.get(c, 1.0) for c in self.classes_)
            weight = positive / negative
        elif self.class_weight == "balanced":
            n_pos = int(y01.sum())
            weight = (len(y01) - n_pos) / n_pos
        else:
            weight = 1.0
        return weight * (1.0 if self.pos_weight is None else float(self.pos_weight))

    def _train(self, X, y, train_idx, val_idx, seed):
        """Build module, data and Trainer, run training, return the trained LightningModule."""
        import lightning as L
        import torch
        from lightning.pytorch.callbacks import EarlyStopping

        from bankruptcy.models._mlp_module import EpochTensors, MLPModule
        from bankruptcy.models._mlp_network import build_network

        network = build_network(
            X.shape[1],
            list(self.hidden_sizes),
            ACTIVATIONS[self.activation],
            self.dropout,
            self.batch_norm,
        )
        module = MLPModule(
            network, self.pos_weight_, self.optimizer, self.lr, self.weight_decay, self.batch_size
        )
        X_t, y_t = _as_tensor(X), _as_tensor(y)
        train = EpochTensors(
            X_t[train_idx], y_t[train_idx], generator=torch.Generator().manual_seed(seed)
        )
        val = None if val_idx is None else EpochTensors(X_t[val_idx], y_t[val_idx])
        callbacks = []
        if val is not None and self.patience is not None:
            callbacks.append(EarlyStopping(monitor="val_loss", mode="min", patience=self.patience))
        trainer = L.Trainer(
            accelerator="cpu",
            devices=1,
            max_epochs=self.max_epochs,
            callbacks=callbacks,
            logger=False,
            enable_checkpointing=False,  # best weights are kept in memory by MLPModule
            enable_model_summary=False,
            enable_progress_bar=self.progress_bar,
            num_sanity_val_steps=0,
        )
        trainer.fit(module, train_dataloaders=train, val_dataloaders=val)
        return module


@contextmanager
def _isolated_training(seed: int, verbose: bool) -> Iterator[None]:
    """Seed torch and quiet Lightning for one `fit`, restoring all global state afterwards.

    Parameters
    ----------
    seed : int
        Seed of torch's global generator (weight init, dropout) inside the block.
    verbose : bool
        Keep Lightning's informational start-up messages.
    """
    import torch

    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]), _one_torch_thread():
        for pattern in _LIGHTNING_NOISE:
            warnings.filterwarnings("ignore", message=pattern)
        import lightning  # noqa: F401  (its first import resets its loggers to INFO)

        loggers = [logging.getLogger(name) for name in _LIGHTNING_LOGGERS]
        levels = [logger.level for logger in loggers]
        if not verbose:
            for logger in loggers:
                logger.setLevel(logging.WARNING)
        torch.manual_seed(seed)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Run torch single-threaded inside the block, then restore the caller's thread count.

    A small MLP's matrices are too small to gain from intra-op threads, and on a busy
    machine (CV folds, sweep jobs, other processes) extra threads made a forward pass
    10x slower in measurements; parallelism belongs to the jobs around the model.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _as_tensor(array: np.ndarray):
    """Share `array`'s memory with a tensor; copy read-only arrays (pandas copy-on-write)."""
    import torch

    return torch.from_numpy(np.require(array, requirements="W"))
