"""A calibration map appended to an exported graph: the model's raw score -> a calibrated PD.

The map comes as plain data (what a package's manifest can hold), one of:

- ``{"method": "sigmoid", "a": A, "b": B}``: Platt scaling as scikit-learn's
  ``_SigmoidCalibration`` fits it, ``p = 1 / (1 + exp(A * s + B))``;
- ``{"method": "isotonic", "x": [...], "y": [...]}``: piecewise-linear interpolation between
  increasing knots, constant beyond the first and last (``IsotonicRegression`` with
  ``out_of_bounds="clip"``: its ``X_thresholds_`` and ``y_thresholds_``);
- ``{"method": "beta", "a": A, "b": B, "c": C}``: beta calibration,
  ``p = 1 / (1 + exp(-(A ln s - B ln(1 - s) + C)))`` for a probability ``s`` (clipped to
  [1e-15, 1 - 1e-15] so ``ln`` stays finite).

`append_calibration` adds the map's nodes after the graph's one output and names their result
`output`; the raw score stays in the graph as ``uncalibrated_<name>``.
"""

from __future__ import annotations

import numpy as np

from bankruptcy.core.errors import UserError

METHODS = ("sigmoid", "isotonic", "beta")
#: How far from 0 and 1 beta calibration's logarithms look.
BETA_EPSILON = 1e-15


class _Graph:
    """Adds named constants and nodes to an ONNX graph."""

    def __init__(self, graph):
        self.graph = graph
        self.count = 0

    def _name(self, stem: str) -> str:
        self.count += 1
        return f"calibration_{stem}_{self.count}"

    def const(self, value, dtype=np.float64) -> str:
        from onnx import numpy_helper

        name = self._name("c")
        self.graph.initializer.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def __call__(self, op: str, *inputs: str, output: str | None = None, **attrs) -> str:
        from onnx import helper

        output = output or self._name(op.lower())
        self.graph.node.append(helper.make_node(op, list(inputs), [output], **attrs))
        return output


def _sigmoid(g: _Graph, s: str, a: float, b: float, output: str) -> str:
    z = g("Add", g("Mul", s, g.const(a)), g.const(b))
    return g("Sigmoid", g("Neg", z), output=output)


def _beta(g: _Graph, s: str, a: float, b: float, c: float, output: str) -> str:
    s = g("Clip", s, g.const(BETA_EPSILON), g.const(1 - BETA_EPSILON))
    up = g("Mul", g("Log", s), g.const(a))
    down = g("Mul", g("Log", g("Sub", g.const(1.0), s)), g.const(b))
    return g("Sigmoid", g("Add", g("Sub", up, down), g.const(c)), output=output)


def _isotonic(g: _Graph, s: str, x, y, output: str) -> str:
    """``np.interp(s, x, y)``: the knot at or below each score, then its segment's line."""
    from onnx import TensorProto

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 1 or len(x) != len(y) or len(x) < 1 or np.any(np.diff(x) < 0):
        raise UserError("isotonic calibration: x and y must be equal-length lists, x increasing")
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = np.nan_to_num(np.diff(y) / np.diff(x), nan=0.0, posinf=0.0, neginf=0.0)
    below = g("GreaterOrEqual", g("Unsqueeze", s, g.const([1], np.int64)), g.const(x[None, :]))
    count = g("ReduceSum", g("Cast", below, to=TensorProto.INT64), g.const([1], np.int64),
              keepdims=0)  # fmt: skip
    at = g("Max", g("Sub", count, g.const(1, np.int64)), g.const(0, np.int64))
    knot, value = g("Gather", g.const(x), at), g("Gather", g.const(y), at)
    slope = g("Gather", g.const(np.append(slopes, 0.0)), at)
    line = g("Add", g("Mul", slope, g("Sub", s, knot)), value)
    line = g("Where", g("Equal", s, knot), value, line)
    line = g("Where", g("Less", s, g.const(x[0])), g.const(y[0]), line)
    return g("Where", g("GreaterOrEqual", s, g.const(x[-1])), g.const(y[-1]), line,
             output=output)  # fmt: skip


def append_calibration(model, description: dict, output: str = "p_bankrupt"):
    """`model` (an ``onnx.ModelProto`` with one float64 output) followed by a calibration map.

    Parameters
    ----------
    model : onnx.ModelProto
        Modified in place and returned.
    description : dict
        The map as plain data (see the module docstring).
    output : str
        Name of the calibrated output.
    """
    import onnx
    from onnx import TensorProto, helper

    method = description.get("method")
    if method not in METHODS:
        raise UserError(f"calibration method {method!r}: expected one of {', '.join(METHODS)}")
    graph = model.graph
    raw = graph.output[0].name
    score = f"uncalibrated_{raw}"
    for node in graph.node:
        node.output[:] = [score if o == raw else o for o in node.output]
        node.input[:] = [score if i == raw else i for i in node.input]
    g = _Graph(graph)
    p = {k: v for k, v in description.items() if k != "method"}
    {"sigmoid": _sigmoid, "beta": _beta, "isotonic": _isotonic}[method](g, score, **p,
                                                                        output=output)  # fmt: skip
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(output, TensorProto.DOUBLE, [None]))
    onnx.checker.check_model(model)
    return model
