"""Torch/Lightning internals of :class:`bankruptcy.models.mlp.MLPClassifier`.

Importing this module imports torch and Lightning (several seconds), so
`bankruptcy.models.mlp` imports it inside ``fit`` only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import lightning as L
import torch
from torch import nn


def make_optimizer(name: str, params, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """Build the optimizer `name`: ``"adam"``, ``"adamw"`` or ``"sgd"`` (momentum 0.9).

    The fused CPU kernels of Adam/AdamW update all parameters in one call,
    which roughly halved the fit time of a small tabular network (vs. the for-loop default).
    """
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=True)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=True)
    return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay, momentum=0.9)


class EpochTensors:
    """A loader that yields the whole tensor set once per epoch, shuffled if a generator is given.

    Lightning calls ``iter`` once per epoch. Yielding one pre-shuffled copy
    (a single indexing op) instead of per-row items keeps Python work per
    epoch constant; :class:`MLPModule` cuts it into mini-batches.

    Parameters
    ----------
    X, y : torch.Tensor
        Features ``(n, d)`` and float 0/1 labels ``(n,)``.
    generator : torch.Generator, optional
        Source of the shuffling permutation; None yields the rows in order.
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None = None):
        self.X, self.y, self.generator = X, y, generator

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.generator is None:
            yield self.X, self.y
        else:
            order = torch.randperm(len(self.y), generator=self.generator)
            yield self.X[order], self.y[order]


class MLPModule(L.LightningModule):
    """Binary classifier trained on whole-epoch batches with manual mini-batch steps.

    Records one ``history`` dict per epoch and keeps the weights of the
    epoch with the lowest validation loss in memory (no checkpoint files).

    Parameters
    ----------
    network : torch.nn.Module
        Maps features to one logit per row.
    pos_weight : float
        Weight of positive rows in the binary cross-entropy.
    optimizer, lr, weight_decay
        See :func:`make_optimizer`.
    batch_size : int
        Rows per optimizer step; an epoch is cut into ``ceil(n / batch_size)``
        near-equal batches, so no tiny trailing batch upsets batch norm.
    """

    def __init__(
        self,
        network: nn.Module,
        pos_weight: float,
        optimizer: str,
        lr: float,
        weight_decay: float,
        batch_size: int,
    ):
        super().__init__()
        self.automatic_optimization = False
        self.network = network
        self.loss = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
        self.optimizer_name, self.lr, self.weight_decay = optimizer, lr, weight_decay
        self.batch_size = batch_size
        self.history: list[dict] = []
        self.best_val_loss = math.inf
        self.best_epoch = -1
        self.best_state: dict[str, torch.Tensor] | None = None

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.network(X).squeeze(1)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return make_optimizer(self.optimizer_name, self.parameters(), self.lr, self.weight_decay)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        X, y = batch
        # The raw optimizer and `backward`: Lightning's per-call hook machinery (manual_backward,
        # LightningOptimizer.step) costs about as much as a mini-batch of this small network,
        # and nothing here needs it (one CPU device, fp32, no per-batch hooks or loggers).
        optimizer = self.optimizers().optimizer
        n_batches = max(1, math.ceil(len(y) / self.batch_size))
        losses = []
        for Xb, yb in zip(X.tensor_split(n_batches), y.tensor_split(n_batches), strict=True):
            optimizer.zero_grad()
            loss = self.loss(self(Xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        # batches differ in size by at most one row, so their mean loss is the epoch's
        train_loss = torch.stack(losses).mean().item()
        self.history.append(
            {"epoch": self.current_epoch, "train_loss": train_loss, "val_loss": math.nan}
        )

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        X, y = batch
        val_loss = self.loss(self(X), y).item()  # Lightning validates after the epoch's training
        # Read by Lightning's EarlyStopping callback (callback_metrics; no logger needed).
        self.log("val_loss", val_loss, prog_bar=True, batch_size=len(y))
        self.history[-1]["val_loss"] = val_loss
        if val_loss < self.best_val_loss:
            self.best_val_loss, self.best_epoch = val_loss, self.current_epoch
            self.best_state = {k: v.detach().clone() for k, v in self.network.state_dict().items()}
