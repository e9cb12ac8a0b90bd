"""A horizon model's exported graph: one output per horizon beside the package's PD.

- One horizon (``target=within``): ``pd_<H>y``, the same values as ``p_bankrupt``.
- A term structure (``target=term_structure``): the converted pipeline and its calibration map
  give the yearly hazard of rows that carry the year ahead as their last column. The graph
  takes the contract's columns (``X``, N x F), scores them once for every year ahead
  ``k = 1..H`` (one batch of H x N rows, ``k`` appended), and accumulates the hazards as
  `bankruptcy.horizons.structure.cumulative` does: ``pd_<h>y = 1 - exp(sum_{k<=h}
  log(1 - hazard_k))``. Outputs: ``p_bankrupt`` (the main horizon's) and ``pd_1y`` ...
  ``pd_<H>y``, each float64 [N].
"""

from __future__ import annotations

import numpy as np

from bankruptcy.horizons.structure import pd_columns
from bankruptcy.serving.onnx_calibration import GraphNodes

#: The converted pipeline's input, once the year ahead is appended (term structures).
WITH_PERIOD = "X_with_years_ahead"


def horizon_outputs(package) -> list[str]:
    """The graph's outputs of `package`: its output column, then each horizon's PD column."""
    horizons = package.horizons
    return [package.output_column, *(pd_columns(horizons["years"]) if horizons else [])]


def append_horizons(model, package, input_name: str):
    """`model` (one float64 output, the package's score) answering every horizon too.

    Parameters
    ----------
    model : onnx.ModelProto
        Modified in place and returned. For a term structure its input takes the contract's
        columns and the year ahead; it takes the contract's columns afterwards.
    package : ModelPackage
        The package (its ``horizons``).
    input_name : str
        The graph's input name.
    """
    import onnx
    from onnx import TensorProto, helper

    horizons = package.horizons
    if horizons is None:
        return model
    graph, output = model.graph, package.output_column
    g = GraphNodes(graph, prefix="horizons")
    columns = pd_columns(horizons["years"])
    if package.period_column is None:
        g("Identity", output, output=columns[0])
    else:
        hazard = f"hazard_{output}"
        _rename(graph, output, hazard)
        _rename(graph, input_name, WITH_PERIOD)
        _score_every_year(g, graph, input_name, len(horizons["years"]))
        cumulative = _cumulative(g, hazard, len(horizons["years"]))
        for k, column in enumerate(columns):
            g("Squeeze", g("Gather", cumulative, g.const([k], np.int64), axis=1),
              g.const([1], np.int64), output=column)  # fmt: skip
        g("Identity", columns[horizons["years"].index(horizons["main"])], output=output)
        del graph.input[:]
        graph.input.append(
            helper.make_tensor_value_info(
                input_name, TensorProto.DOUBLE, [None, len(package.contract.names)]
            )
        )
    del graph.output[:]
    for name in horizon_outputs(package):
        graph.output.append(helper.make_tensor_value_info(name, TensorProto.DOUBLE, [None]))
    onnx.checker.check_model(model)
    return model


def _rename(graph, old: str, new: str) -> None:
    """Every use of the value `old` in `graph`'s nodes now reads `new`."""
    for node in graph.node:
        node.input[:] = [new if i == old else i for i in node.input]
        node.output[:] = [new if o == old else o for o in node.output]


def _score_every_year(g: GraphNodes, graph, contract_input: str, years: int) -> None:
    """Nodes in front of the graph: `WITH_PERIOD` = the rows once per year ahead ``1..years``
    (year-major blocks), the year appended as the last column."""
    from onnx import TensorProto

    first = len(graph.node)
    rows = g("Gather", g("Shape", contract_input), g.const([0], np.int64))
    ones = g("ConstantOfShape", g("Concat", rows, g.const([1], np.int64), axis=0),
             value=_tensor(1.0, TensorProto.DOUBLE))  # fmt: skip
    blocks = [
        g("Concat", contract_input, g("Mul", ones, g.const(float(k))), axis=1)
        for k in range(1, years + 1)
    ]
    g("Concat", *blocks, axis=0, output=WITH_PERIOD)
    added = list(graph.node[first:])
    del graph.node[first:]
    for k, node in enumerate(added):  # a graph's nodes are in topological order
        graph.node.insert(k, node)


def _cumulative(g: GraphNodes, hazard: str, years: int) -> str:
    """The (N, years) cumulative PDs of the year-major hazards (years x N values)."""
    by_row = g("Transpose", g("Reshape", hazard, g.const([years, -1], np.int64)), perm=[1, 0])
    survive = g("Sub", g.const(1.0), g("Clip", by_row, g.const(0.0), g.const(1.0)))
    log_survival = g("CumSum", g("Log", survive), g.const(1, np.int64))
    return g("Sub", g.const(1.0), g("Exp", log_survival))


def _tensor(value: float, dtype):
    from onnx import helper

    return helper.make_tensor("value", dtype, [1], [value])
