"""Export a model package to ONNX: one file a Java, C# or C++ system scores with ONNX Runtime.

Examples::

    python -m bankruptcy.export models:/polish@champion model.onnx
    python -m bankruptcy.export outputs/runs/<date>/<time> model.onnx

MODEL is ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or a job directory, as for
``predict``. The graph takes ``X`` (float64 rows of the contract's features, in order; NaN =
missing) and answers ``p_bankrupt`` (``score`` for score-only models). Before the file is
written, the package's reference rows and a few extreme rows are scored by both runtimes: a
difference above 1e-5 refuses the export and names the step that differs. The parity and opset
are recorded in the package (``package.json``, and the registry version's tags), which lets
``predict`` and ``serve`` run it with ``--runtime onnx``. See docs/onnx.md.
"""

from __future__ import annotations

from bankruptcy.cli.common import parser_for, run


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.export", __doc__)
    parser.add_argument("model", help="models:/NAME@ALIAS, models:/NAME/VERSION or a job dir")
    parser.add_argument("output", help="the .onnx file to write; must not exist")
    args = parser.parse_args(argv)

    def export() -> None:
        from bankruptcy.serving import onnx_export
        from bankruptcy.serving.registry import open_model

        target = onnx_export.check_target(args.output)
        package = open_model(args.model)
        exported = onnx_export.export(package)
        entry = onnx_export.save(package, exported, target)
        opset = ", ".join(f"{k} {v}" for k, v in entry["opset"].items())
        print(
            f"exported {args.model} to {target}: max |delta {package.output_column}| "
            f"{exported.max_abs_diff:.2g} on {exported.rows} rows (tolerance "
            f"{onnx_export.TOLERANCE:g}), opsets {opset}"
        )

    return run(export)
