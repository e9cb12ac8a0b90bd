"""The torch network of :class:`bankruptcy.models.mlp.MLPClassifier`, without Lightning.

Predicting needs only this module (torch, ~1 s to import); training also needs
`bankruptcy.models._mlp_module` (Lightning, several seconds).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn


def build_network(
    n_features: int,
    hidden_sizes: Sequence[int],
    activation: str,
    dropout: float,
    batch_norm: bool,
) -> nn.Sequential:
    """Stack ``Linear [-> BatchNorm] -> activation [-> Dropout]`` blocks and a 1-logit head.

    Parameters
    ----------
    n_features : int
        Width of the input.
    hidden_sizes : sequence of int
        Width of each hidden layer; empty gives logistic regression.
    activation : str
        Name of a ``torch.nn`` activation class, e.g. ``"ReLU"``.
    dropout : float
        Dropout probability after each hidden block; 0 adds no layer.
    batch_norm : bool
        Add ``BatchNorm1d`` after each hidden linear layer.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(n, n_features)`` to ``(n, 1)`` logits.
    """
    layers: list[nn.Module] = []
    width = n_features
    for size in hidden_sizes:
        layers.append(nn.Linear(width, size))
        if batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(getattr(nn, activation)())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)
