"""A package's calibration map appended to its exported graph: the model's score -> the PD.

The map is the plain data of ``package.json`` (`bankruptcy.evaluation.calibration`: its module
docstring defines the forms), rebuilt from standard ONNX operators so a Java or C# system gets
the same PDs as `bankruptcy.evaluation.calibration.apply_map`:

- the score's features: for a probability ``s`` clipped to [``clip``, 1 - ``clip``],
  ``log`` = Log(s), ``log1m`` = Log(1 - s), ``logit`` = their difference; for a decision value
  ``x``, ``logit`` = x, ``log`` = -Softplus(-x), ``log1m`` = -Softplus(x);
- ``logistic``: Sigmoid(``intercept`` + sum of ``coef[k]`` times feature ``features[k]``)
  (Platt scaling, beta calibration);
- ``piecewise_linear``: ``np.interp`` of one feature between the knots ``x`` and ``y``
  (isotonic calibration);
- ``identity``: nothing is appended.

`append_calibration` adds the map's nodes after the graph's one output and gives their result
that output's name; the model's own score stays in the graph as ``uncalibrated_<name>``.
"""

from __future__ import annotations

import numpy as np

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation.calibration import CLIP

FORMS = ("identity", "logistic", "piecewise_linear")


class GraphNodes:
    """Adds named constants and nodes to an ONNX graph, their names starting with `prefix`."""

    def __init__(self, graph, prefix: str = "calibration"):
        self.graph = graph
        self.prefix = prefix
        self.count = 0

    def _name(self, stem: str) -> str:
        self.count += 1
        return f"{self.prefix}_{stem}_{self.count}"

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


def _features(g: GraphNodes, s: str, spec: dict) -> dict[str, str]:
    """The ``logit``, ``log`` and ``log1m`` features of the score `s` (module docstring)."""
    if spec["input"] == "decision":
        return {
            "logit": s,
            "log": g("Neg", g("Softplus", g("Neg", s))),
            "log1m": g("Neg", g("Softplus", s)),
        }
    clip = spec.get("clip", CLIP)
    s = g("Clip", s, g.const(clip), g.const(1 - clip))
    log, log1m = g("Log", s), g("Log", g("Sub", g.const(1.0), s))
    return {"logit": g("Sub", log, log1m), "log": log, "log1m": log1m}


def _logistic(g: GraphNodes, found: dict[str, str], spec: dict, output: str) -> str:
    z = g.const(spec["intercept"])
    for name, coef in zip(spec["features"], spec["coef"], strict=True):
        z = g("Add", z, g("Mul", found[name], g.const(coef)))
    return g("Sigmoid", z, output=output)


def _interp(g: GraphNodes, s: str, x, y, output: str) -> str:
    """``np.interp(s, x, y)``: the knot at or below each value, then its segment's line."""
    from onnx import TensorProto

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 1 or len(x) != len(y) or len(x) < 1 or np.any(np.diff(x) < 0):
        raise UserError(
            "piecewise-linear calibration: x and y must be equal-length lists, x increasing"
        )
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


def append_calibration(model, spec: dict):
    """`model` (an ``onnx.ModelProto`` with one float64 output) followed by the map `spec`.

    Parameters
    ----------
    model : onnx.ModelProto
        Modified in place and returned; its output keeps its name and now holds the PD.
    spec : dict
        The map as ``package.json`` holds it (``form``, its parameters, ``input``, ``clip``).
    """
    import onnx
    from onnx import TensorProto, helper

    form = spec.get("form")
    if form not in FORMS:
        raise UserError(f"calibration form {form!r}: expected one of {', '.join(FORMS)}")
    if form == "identity":
        return model
    graph = model.graph
    output = graph.output[0].name
    score = f"uncalibrated_{output}"
    for node in graph.node:
        node.output[:] = [score if o == output else o for o in node.output]
        node.input[:] = [score if i == output else i for i in node.input]
    g = GraphNodes(graph)
    found = _features(g, score, spec)
    if form == "logistic":
        _logistic(g, found, spec, output)
    else:
        _interp(g, found[spec["feature"]], spec["x"], spec["y"], output)
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(output, TensorProto.DOUBLE, [None]))
    onnx.checker.check_model(model)
    return model
