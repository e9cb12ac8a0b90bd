"""ONNX converters for this project's pipeline steps, registered the skl2onnx way.

Each step gets a shape calculator (the output's type and width) and a converter (the ONNX nodes
that compute what its ``transform`` computes), registered with
``skl2onnx.update_registered_converter``; a step that wraps a scikit-learn estimator (the
imputer) converts the estimator it holds. LightGBM and XGBoost use
onnxmltools' converters, registered the same way. Steps compute in the input's type: the export
feeds float64, so they reproduce scikit-learn's arithmetic (`bankruptcy.serving.onnx_export`).

`unconvertible` names a step no converter covers, before anything is converted.
"""

from __future__ import annotations

import ast

import numpy as np
from onnx import TensorProto
from onnx.helper import np_dtype_to_tensor_dtype
from scipy.special import ndtri
from skl2onnx import update_registered_converter
from skl2onnx._supported_operators import sklearn_operator_name_map
from skl2onnx.algebra.onnx_ops import (
    OnnxAbs,
    OnnxAdd,
    OnnxCast,
    OnnxConcat,
    OnnxGather,
    OnnxIdentity,
    OnnxIsInf,
    OnnxIsNaN,
    OnnxLog,
    OnnxMax,
    OnnxMin,
    OnnxMul,
    OnnxSign,
    OnnxWhere,
)
from skl2onnx.common.data_types import guess_numpy_type, guess_proto_type
from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
from sklearn import preprocessing
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import FunctionTransformer, PowerTransformer
from sklearn.svm import SVC

from bankruptcy.models.ebm import ExplainableBoosting
from bankruptcy.preprocess.clean import Cleaner, InfToNaN
from bankruptcy.preprocess.impute import MissingFlags, NumericImputer
from bankruptcy.preprocess.outliers import Winsorizer
from bankruptcy.preprocess.panel import REPORTED, PanelFeatures, lag_name
from bankruptcy.preprocess.select import RFE, CorrelationFilter, MutualInfoKBest, SelectFromModel
from bankruptcy.preprocess.transform import QuantileTransformer, signed_log

#: FunctionTransformer functions with a converter: function -> ONNX graph builder.
FUNCTIONS = {}
#: Types skl2onnx registers but does not convert right here (float64 input, binary scores).
WRONG = {
    PowerTransformer: "skl2onnx 1.20 fails on float64 input",
    SVC: "skl2onnx's scores of an SVC without probabilities are not its decision_function",
}


def _width_calculator(width):
    """A shape calculator: the input's element type, ``width(step)`` columns."""

    def calculate(operator):
        source = operator.inputs[0]
        rows = source.get_first_dimension()
        operator.outputs[0].type = source.type.__class__([rows, width(operator.raw_operator)])

    return calculate


def _register(step_type, width, convert) -> None:
    alias = f"Bankruptcy{step_type.__name__}"
    update_registered_converter(step_type, alias, _width_calculator(width), convert)


def _parts(operator, container):
    """(input, output name, opset, numpy dtype) of a converter call."""
    source = operator.inputs[0]
    return (
        source,
        operator.outputs[0].full_name,
        container.target_opset,
        guess_numpy_type(source.type),
    )


def _columns(X, indices, opset):
    return OnnxGather(X, np.asarray(indices, dtype=np.int64), axis=1, op_version=opset)


def _emit(node, operator, scope, container) -> None:
    """Name `node`'s result as the converter's output."""
    opset = container.target_opset
    OnnxIdentity(node, op_version=opset, output_names=[operator.outputs[0]]).add_to(
        scope, container
    )


def _inf_as_nan(X, opset, dtype):
    return OnnxWhere(OnnxIsInf(X, op_version=opset), np.array([np.nan], dtype), X, op_version=opset)


def convert_inf_to_nan(scope, operator, container):
    """`InfToNaN`: +/-inf -> NaN."""
    X, _, opset, dtype = _parts(operator, container)
    _emit(_inf_as_nan(X, opset, dtype), operator, scope, container)


def convert_cleaner(scope, operator, container):
    """`Cleaner`: kept columns with inf as NaN, then a 0/1 column per flagged column."""
    X, _, opset, dtype = _parts(operator, container)
    step = operator.raw_operator
    kept = _columns(_inf_as_nan(X, opset, dtype), np.flatnonzero(step.keep_), opset)
    if not step.flagged_.any():
        return _emit(kept, operator, scope, container)
    infinite = OnnxIsInf(_columns(X, np.flatnonzero(step.flagged_), opset), op_version=opset)
    flags = OnnxCast(infinite, to=guess_proto_type(X.type), op_version=opset)
    _emit(OnnxConcat(kept, flags, axis=1, op_version=opset), operator, scope, container)


def convert_missing_flags(scope, operator, container):
    """`MissingFlags`: the input, then a 0/1 column per flagged column."""
    X, _, opset, _ = _parts(operator, container)
    step = operator.raw_operator
    if not step.flagged_.any():
        return _emit(OnnxIdentity(X, op_version=opset), operator, scope, container)
    missing = OnnxIsNaN(_columns(X, np.flatnonzero(step.flagged_), opset), op_version=opset)
    flags = OnnxCast(missing, to=guess_proto_type(X.type), op_version=opset)
    _emit(OnnxConcat(X, flags, axis=1, op_version=opset), operator, scope, container)


def convert_numeric_imputer(scope, operator, container):
    """`NumericImputer` of a `SimpleImputer`: ``Where(IsNaN(X), statistics, X)``.

    skl2onnx writes the ai.onnx.ml ``Imputer`` operator, which ONNX Runtime implements for
    float32 only (`unconvertible` refuses the other imputers).
    """
    X, _, opset, dtype = _parts(operator, container)
    imputer = operator.raw_operator.imputer_
    statistics = imputer.statistics_.astype(dtype)
    kept = np.flatnonzero(~np.isnan(statistics))  # all-missing columns, unless kept as 0
    filled = OnnxWhere(OnnxIsNaN(X, op_version=opset), statistics[None, :], X, op_version=opset)
    if len(kept) < len(statistics):
        filled = _columns(filled, kept, opset)
    _emit(filled, operator, scope, container)


def convert_winsorizer(scope, operator, container):
    """`Winsorizer`: clip to the learned limits; missing values stay missing."""
    X, _, opset, dtype = _parts(operator, container)
    step = operator.raw_operator
    upper = OnnxMin(X, step.upper_.astype(dtype)[None, :], op_version=opset)
    clipped = OnnxMax(upper, step.lower_.astype(dtype)[None, :], op_version=opset)
    _emit(OnnxWhere(OnnxIsNaN(X, op_version=opset), X, clipped, op_version=opset), operator,
          scope, container)  # fmt: skip


class _Nodes:
    """Adds nodes to a converter's graph under unique names (skl2onnx's low-level API).

    The algebra API (``OnnxAdd(...)``) walks an expression again wherever it is shared, so a
    loop that reuses its last result grows exponentially: skl2onnx's own QuantileTransformer
    converter took 92 s for 128 quantiles of 5 columns (and ~4x per doubling).
    """

    def __init__(self, scope, container, dtype):
        self.scope, self.container, self.dtype = scope, container, dtype

    def const(self, value, dtype=None) -> str:
        """An initializer holding `value` (in the graph's float type unless `dtype`)."""
        value = np.asarray(value, dtype=dtype or self.dtype)
        name = self.scope.get_unique_variable_name("c")
        proto = np_dtype_to_tensor_dtype(value.dtype)
        self.container.add_initializer(name, proto, list(value.shape), value.ravel().tolist())
        return name

    def __call__(self, op: str, *inputs: str, output: str | None = None, **attrs) -> str:
        output = output or self.scope.get_unique_variable_name(op.lower())
        name = self.scope.get_unique_operator_name(op)
        self.container.add_node(op, list(inputs), [output], name=name, **attrs)
        return output


def _searched(g: _Nodes, x: str, table: np.ndarray) -> str:
    """Per cell of `x` [N, F], the largest j with ``table[j, f] <= x`` (0 below the first).

    Binary search over the columns' sorted tables [n, F] (padded with +inf to a power of two):
    ``log2(n)`` gathers per cell instead of n comparisons.
    """
    n, width = table.shape
    size = 1 << max(int(n - 1).bit_length(), 1)
    padded = np.vstack([table, np.full((size - n + 1, width), np.inf)])
    flat = g.const(padded.T.ravel())
    offsets = g.const(np.arange(width) * (size + 1), np.int64)
    at = g("Cast", g("Mul", x, g.const(0.0)), to=TensorProto.INT64)  # zeros of x's shape
    at = g("Where", g("IsNaN", x), at, at)  # NaN casts to an arbitrary integer: reset
    at = g("Mul", at, g.const(0, np.int64))
    step = size // 2
    while step:
        candidate = g("Add", at, g.const(step, np.int64))
        found = g("Gather", flat, g("Add", candidate, offsets), axis=0)
        at = g("Where", g("LessOrEqual", found, x), candidate, at)
        step //= 2
    return at


def _interpolated(g: _Nodes, x: str, quantiles: np.ndarray, references: np.ndarray) -> str:
    """``np.interp`` of each column of `x` on its columns of `quantiles` and `references`."""
    n, width = quantiles.shape
    at = _searched(g, x, quantiles)
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = np.diff(references, axis=0) / np.diff(quantiles, axis=0)
    slopes = np.vstack([np.nan_to_num(slopes, nan=0.0, posinf=0.0, neginf=0.0), np.zeros(width)])
    cell = g("Add", at, g.const(np.arange(width) * n, np.int64))
    left, slope, value = (
        g("Gather", g.const(table.T.ravel()), cell, axis=0)
        for table in (quantiles, slopes, references)
    )
    inside = g("Add", g("Mul", slope, g("Sub", x, left)), value)
    inside = g("Where", g("Equal", x, left), value, inside)
    inside = g("Where", g("Less", x, g.const(quantiles[:1])), g.const(references[:1]), inside)
    top = g("GreaterOrEqual", x, g.const(quantiles[-1:]))
    return g("Where", top, g.const(references[-1:]), inside)


# Wichura (1988), algorithm AS 241 (PPND16): the normal quantile to ~1e-16 relative error, as
# rational functions of r; `_ndtri` uses the two branches p in [1e-7, 1 - 1e-7] needs.
_CENTRAL = (
    (3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
     45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727),
    (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
     21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852854561),
)  # fmt: skip
_TAIL = (
    (1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
     1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833,
     7.74545014278341407640e-4),
    (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
     0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
     1.05075007164441684324e-9),
)  # fmt: skip


def _rational(g: _Nodes, pair, r: str) -> str:
    """numerator(r) / denominator(r), each ``sum(c[k] * r**k)`` by Horner's scheme."""
    parts = []
    for coefficients in pair:
        value = g.const([coefficients[-1]])
        for c in reversed(coefficients[:-1]):
            value = g("Add", g("Mul", value, r), g.const([c]))
        parts.append(value)
    return g("Div", *parts)


def _ndtri(g: _Nodes, p: str) -> str:
    """The standard normal quantile of `p` in [1e-7, 1 - 1e-7]."""
    q = g("Sub", p, g.const([0.5]))
    central = g("Mul", q, _rational(g, _CENTRAL, g("Sub", g.const([0.180625]), g("Mul", q, q))))
    smaller = g("Min", p, g("Sub", g.const([1.0]), p))
    r = g("Sub", g("Sqrt", g("Neg", g("Log", smaller))), g.const([1.6]))
    tail = g("Mul", g("Sign", q), _rational(g, _TAIL, r))
    return g("Where", g("LessOrEqual", g("Abs", q), g.const([0.425])), central, tail)


def convert_quantile_transformer(scope, operator, container):
    """`QuantileTransformer`: scikit-learn's ``_transform_col`` for each column, vectorised.

    The mean of the interpolations up the quantiles and down the mirrored ones (repeated
    quantiles), the bounds (within 1e-7 of the training extremes for the normal output,
    equal to them for the uniform one), then for the normal output the normal quantile of
    the probability clipped to [1e-7 - eps, 1 - (1e-7 - eps)], which is scikit-learn's clip
    of the normal values (the quantile is monotone). Missing values stay missing.
    """
    X, out, _, dtype = _parts(operator, container)
    step = operator.raw_operator
    g = _Nodes(scope, container, dtype)
    x = X.full_name
    quantiles = step.quantiles_.astype(dtype)
    references = np.repeat(step.references_.astype(dtype)[:, None], quantiles.shape[1], axis=1)
    # up the quantiles and down the mirrored ones in one search: columns [x, -x]
    both = _interpolated(
        g,
        g("Concat", x, g("Neg", x), axis=1),
        np.hstack([quantiles, -quantiles[::-1]]),
        np.hstack([references, -references[::-1]]),
    )
    width = quantiles.shape[1]
    up, down = (
        g("Slice", both, g.const([start], np.int64), g.const([stop], np.int64),
          g.const([1], np.int64))
        for start, stop in ((0, width), (width, 2 * width))
    )  # fmt: skip
    p = g("Mul", g("Sub", up, down), g.const([0.5]))
    low, high = quantiles[:1], quantiles[-1:]
    if step.output_distribution == "uniform":
        below, above = g("Equal", x, g.const(low)), g("Equal", x, g.const(high))
    else:
        bound = g.const([preprocessing._data.BOUNDS_THRESHOLD])
        below = g("Less", g("Sub", x, bound), g.const(low))
        above = g("Greater", g("Add", x, bound), g.const(high))
    p = g("Where", above, g.const([1.0]), p)
    p = g("Where", below, g.const([0.0]), p)
    nan = g("IsNaN", x)
    if step.output_distribution == "normal":
        edge = preprocessing._data.BOUNDS_THRESHOLD - np.spacing(1)
        safe = g("Where", nan, g.const([0.5]), p)
        safe = g("Clip", safe, g.const(edge), g.const(1 - edge))
        p = g("Clip", _ndtri(g, safe), g.const(ndtri(edge)), g.const(ndtri(1 - edge)))
    g("Where", nan, x, p, output=out)


def _signed_log(X, opset, dtype):
    magnitude = OnnxLog(OnnxAdd(OnnxAbs(X, op_version=opset), np.array([1.0], dtype),
                                op_version=opset), op_version=opset)  # fmt: skip
    return OnnxMul(OnnxSign(X, op_version=opset), magnitude, op_version=opset)


FUNCTIONS[signed_log] = _signed_log


#: pandas ``eval`` functions of a ratio expression, as ONNX operators.
EXPRESSION_FUNCTIONS = {"log": "Log", "exp": "Exp", "sqrt": "Sqrt", "abs": "Abs"}
EXPRESSION_OPERATORS = {ast.Add: "Add", ast.Sub: "Sub", ast.Mult: "Mul", ast.Div: "Div"}


def compile_expression(g: _Nodes, text: str, column) -> str:
    """ONNX nodes computing a ratio expression (pandas ``eval`` syntax) row by row.

    Parameters
    ----------
    g : _Nodes
        Where the nodes go.
    text : str
        E.g. ``(X1 - X14) / X10`` or ``log(X10)``: numbers, column names, + - * /, unary
        minus and the functions of `EXPRESSION_FUNCTIONS`.
    column : callable
        Column name -> the name of an (n, 1) value holding it.

    Raises
    ------
    ValueError
        On anything else (`unconvertible` reports it before an export starts).
    """

    def node(tree) -> str:
        if isinstance(tree, ast.Expression):
            return node(tree.body)
        if isinstance(tree, ast.BinOp) and type(tree.op) in EXPRESSION_OPERATORS:
            return g(EXPRESSION_OPERATORS[type(tree.op)], node(tree.left), node(tree.right))
        if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub | ast.UAdd):
            value = node(tree.operand)
            return g("Neg", value) if isinstance(tree.op, ast.USub) else value
        if isinstance(tree, ast.Constant) and isinstance(tree.value, int | float):
            return g.const([float(tree.value)])
        if isinstance(tree, ast.Name):
            return column(tree.id)
        if (
            isinstance(tree, ast.Call)
            and isinstance(tree.func, ast.Name)
            and tree.func.id in EXPRESSION_FUNCTIONS
            and len(tree.args) == 1
        ):
            return g(EXPRESSION_FUNCTIONS[tree.func.id], node(tree.args[0]))
        raise ValueError(f"ratio expression {text!r}: no ONNX form for {ast.dump(tree)[:60]}")

    return node(ast.parse(text, mode="eval"))


def convert_panel_features(scope, operator, container):
    """`PanelFeatures`: the ratios of the statement and its earlier ones, changes, trends."""
    X, _, opset, dtype = _parts(operator, container)
    step = operator.raw_operator
    if step.idle_:
        return _emit(OnnxIdentity(X, op_version=opset), operator, scope, container)
    g = _Nodes(scope, container, dtype)
    names = [str(n) for n in step.feature_names_in_]

    def gathered(columns: list[str]) -> str:
        return g("Gather", X.full_name, g.const([names.index(c) for c in columns], np.int64),
                 axis=1)  # fmt: skip

    statements = []  # (n, ratios) per statement: this one, then 1, 2, ... back
    for k in range(step.lags + 1):
        source = {i: i if k == 0 else lag_name(i, k) for i in step.items_}
        ratios = [
            compile_expression(g, text, lambda name, source=source: gathered([source[name]]))
            for text in step.expressions_.values()
        ]
        statements.append(g("Concat", *ratios, axis=1))
    kept = step.others_ + (step.items_ if step.keep_items else [])
    parts = [gathered(kept)] if kept else []
    parts += [gathered([REPORTED]), statements[0], g("Sub", statements[0], statements[1])]
    if step.lags >= 2:
        parts.append(_trend(g, statements[::-1]))
    g("Concat", *parts, axis=1, output=operator.outputs[0].full_name)


def _trend(g: _Nodes, statements: list[str]) -> str:
    """Least-squares slope per period over the finite values of `statements` (oldest first),
    NaN with fewer than two (`bankruptcy.preprocess.panel`)."""
    valid = [g("Not", g("Or", g("IsNaN", s), g("IsInf", s))) for s in statements]
    weight = [g("Cast", v, to=TensorProto.DOUBLE) for v in valid]
    zero = g.const([0.0])

    def total(values: list[str]) -> str:
        return g("Sum", *values)

    count = total(weight)
    t_mean = g("Div", total([g("Mul", w, g.const([float(j)])) for j, w in enumerate(weight)]),
               count)  # fmt: skip
    finite = list(zip(valid, statements, strict=True))
    v_mean = g("Div", total([g("Where", v, s, zero) for v, s in finite]), count)
    dt = [g("Where", v, g("Sub", g.const([float(j)]), t_mean), zero) for j, v in enumerate(valid)]
    dv = [g("Where", v, g("Sub", s, v_mean), zero) for v, s in finite]
    slope = g("Div", total([g("Mul", a, b) for a, b in zip(dt, dv, strict=True)]),
              total([g("Mul", a, a) for a in dt]))  # fmt: skip
    return g("Where", g("Less", count, g.const([2.0])), g.const([np.nan]), slope)


def convert_function_transformer(scope, operator, container):
    """`FunctionTransformer` of a function in `FUNCTIONS` (or none: the identity)."""
    X, _, opset, dtype = _parts(operator, container)
    func = operator.raw_operator.func
    node = OnnxIdentity(X, op_version=opset) if func is None else FUNCTIONS[func](X, opset, dtype)
    _emit(node, operator, scope, container)


def convert_selector(scope, operator, container):
    """A feature selector: the columns it keeps."""
    X, _, opset, _ = _parts(operator, container)
    _emit(_columns(X, operator.raw_operator.get_support(indices=True), opset), operator, scope,
          container)  # fmt: skip


def convert_ebm(scope, operator, container):
    """An EBM (`bankruptcy.models.ebm.ExplainableBoosting`) as bin lookups and a sum, in the
    input's type (float64 in an export): InterpretML's binning (missing -> bin 0, else 1 + the
    cuts at or below the value) by a binary search over each binned column's cuts, one
    gather for the one-feature terms and one for the pairs, the intercept, a sigmoid."""
    model = operator.raw_operator
    X, _, _, dtype = _parts(operator, container)
    lookup = model._lookup()
    g = _Nodes(scope, container, dtype)
    x = g("Gather", X.full_name, g.const(lookup.features, np.int64), axis=1)
    x = g("Where", g("IsInf", x), g.const([np.nan]), x)  # the model reads inf as missing
    # first row -inf: the search answers the number of cuts at or below each value
    table = np.vstack([np.full(len(lookup.columns), -np.inf), lookup.padded.T])
    found = g("Add", _searched(g, x, table), g.const(1, np.int64))
    index = g("Where", g("IsNaN", x), g.const(0, np.int64), found)
    parts = []
    if lookup.mains:
        cells = g("Add", g("Gather", index, g.const(lookup.main_at, np.int64), axis=1),
                  g.const(lookup.main_offset, np.int64))  # fmt: skip
        parts.append(g("Gather", g.const(lookup.main_flat), cells, axis=0))
    if lookup.pairs:
        first = g("Gather", index, g.const(lookup.pair_first, np.int64), axis=1)
        second = g("Gather", index, g.const(lookup.pair_second, np.int64), axis=1)
        cells = g("Add", g("Add", g("Mul", first, g.const(lookup.pair_stride, np.int64)), second),
                  g.const(lookup.pair_offset, np.int64))  # fmt: skip
        parts.append(g("Gather", g.const(lookup.pair_flat), cells, axis=0))
    terms = parts[0] if len(parts) == 1 else g("Concat", *parts, axis=1)
    total = g("ReduceSum", terms, g.const([1], np.int64), keepdims=1)
    logit = g("Add", total, g.const([[model.intercept_]]))
    bankrupt = g("Sigmoid", logit)
    g("Concat", g("Sub", g.const([[1.0]]), bankrupt), bankrupt, axis=1,
      output=operator.outputs[1].full_name)  # fmt: skip
    positive = g("Cast", g("Greater", logit, g.const([[0.0]])), to=TensorProto.INT64)
    classes = g.const(model.classes_.astype(np.int64), np.int64)
    label = g("Gather", classes, g("Reshape", positive, g.const([-1], np.int64)), axis=0)
    g("Identity", label, output=operator.outputs[0].full_name)


def _register_boosters() -> None:
    """LightGBM and XGBoost classifiers through onnxmltools' converters."""
    from lightgbm import LGBMClassifier
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from xgboost import XGBClassifier

    options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    for model, alias, convert in (
        (LGBMClassifier, "LightGbmLGBMClassifier", convert_lightgbm),
        (XGBClassifier, "XGBoostXGBClassifier", convert_xgboost),
    ):
        update_registered_converter(
            model, alias, calculate_linear_classifier_output_shapes, convert, options=options
        )


def register() -> None:
    """Register every converter above with skl2onnx (idempotent)."""
    n_in = lambda step: step.n_features_in_  # noqa: E731
    _register(InfToNaN, n_in, convert_inf_to_nan)
    _register(Cleaner, lambda s: int(s.keep_.sum() + s.flagged_.sum()), convert_cleaner)
    _register(MissingFlags, lambda s: s.n_features_in_ + int(s.flagged_.sum()),
              convert_missing_flags)  # fmt: skip
    _register(NumericImputer, lambda s: len(s.get_feature_names_out()), convert_numeric_imputer)
    _register(Winsorizer, n_in, convert_winsorizer)
    _register(QuantileTransformer, n_in, convert_quantile_transformer)
    _register(PanelFeatures, lambda s: len(s.get_feature_names_out()), convert_panel_features)
    for selector in (CorrelationFilter, MutualInfoKBest, RFE, SelectFromModel):
        _register(selector, lambda s: int(s.get_support().sum()), convert_selector)
    update_registered_converter(
        FunctionTransformer,
        "SklearnFunctionTransformer",
        _width_calculator(lambda s: s.n_features_in_),
        convert_function_transformer,
    )
    _register_boosters()
    update_registered_converter(
        ExplainableBoosting,
        "BankruptcyExplainableBoosting",
        calculate_linear_classifier_output_shapes,
        convert_ebm,
        options={"zipmap": [True, False], "nocl": [True, False]},
    )


def unconvertible(step) -> str | None:
    """Why `step` cannot convert (None when it can): the type or function with no converter.

    An imputer converts when it is a `SimpleImputer` (skl2onnx's others take float32 only);
    a wrapped model (``CalibratedClassifierCV``) when the model inside does.
    """
    if isinstance(step, FunctionTransformer) and step.func not in (None, *FUNCTIONS):
        func = step.func
        return f"FunctionTransformer(func={func.__module__}.{func.__qualname__})"
    if type(step) in WRONG:
        return f"{_qualified(step)}: {WRONG[type(step)]}"
    if isinstance(step, NumericImputer) and not isinstance(step.imputer_, SimpleImputer):
        return _qualified(step.imputer_)
    if isinstance(step, PanelFeatures) and not step.idle_:
        try:  # the ratio expressions, compiled into a throwaway list of nodes
            for text in step.expressions_.values():
                compile_expression(_Dry(), text, lambda name: name)
        except (ValueError, SyntaxError) as error:
            return f"{_qualified(step)}: {error}"
    for part in (step, getattr(step, "estimator", None)):
        if part is not None and type(part) not in sklearn_operator_name_map:
            return _qualified(part)
    return None


class _Dry(_Nodes):
    """Nodes that go nowhere: checks that an expression compiles."""

    def __init__(self):
        pass

    def const(self, value, dtype=None) -> str:
        return "c"

    def __call__(self, op: str, *inputs: str, output: str | None = None, **attrs) -> str:
        return op


def _qualified(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"
