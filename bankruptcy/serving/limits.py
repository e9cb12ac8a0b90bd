"""The service's limits: rows per request, rows that may ask for explanations, body bytes.

The byte budget follows from the row limit and the served contract, so that a body too large
to hold ``max_rows`` rows is refused from its ``Content-Length`` before a byte of it is read
(`bankruptcy.serving.gate`). A row's allowance is what a client writing full-precision floats
without pretty-printing needs (Python's ``json.dumps``, JavaScript's ``JSON.stringify``,
Jackson): per feature its name, quotes, separators and a 24-character number
(``-1.2345678901234567e-308``); per row braces and room for an identifier field; per body a
fixed envelope. Pretty-printed batches near the row limit may need ``--max-body-bytes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bankruptcy.serving.contract import InputContract

#: Bytes allowed per feature value beyond its name: ``"name": -1.2345678901234567e-308, ``.
VALUE_BYTES = 30
#: Bytes allowed per row beyond its values: braces, newline, a short identifier field.
ROW_BYTES = 64
#: Bytes allowed for the rest of a body: the form's key, options, whitespace.
ENVELOPE_BYTES = 1 << 20
#: Most risk factors a row can ask for (``explain``).
MAX_FACTORS = 10


@dataclass(frozen=True)
class Limits:
    """What one request may ask of the service.

    Attributes
    ----------
    max_rows : int
        Rows per request (413 above).
    explain_rows : int
        Rows per request that asks for explanations (413 above; they cost far more).
    max_body_bytes : int
        Largest body (413 above, from ``Content-Length`` or the bytes read so far).
    derived : bool
        Whether `max_body_bytes` follows from `max_rows` (False: set explicitly).
    """

    max_rows: int
    explain_rows: int
    max_body_bytes: int
    derived: bool = True

    @classmethod
    def of(
        cls,
        contract: InputContract,
        max_rows: int,
        explain_rows: int,
        max_body_bytes: int | None = None,
    ) -> Limits:
        """The limits for `contract`; `max_body_bytes` None derives it from `max_rows`."""
        explain_rows = min(explain_rows, max_rows)
        if max_body_bytes is not None:
            return cls(max_rows, explain_rows, max_body_bytes, derived=False)
        return cls(max_rows, explain_rows, body_budget(contract, max_rows))

    def describe(self) -> str:
        """The limits in one sentence (the OpenAPI document and 413 answers say it)."""
        how = (
            f"derived from the row limit: per row {ROW_BYTES} bytes and, per feature, its "
            f"name and {VALUE_BYTES} bytes; plus {ENVELOPE_BYTES:,} bytes"
            if self.derived
            else "set by serve --max-body-bytes"
        )
        return (
            f"at most {self.max_rows:,} rows per request ({self.explain_rows:,} with explain) "
            f"and {self.max_body_bytes:,} bytes of body ({how})"
        )


def body_budget(contract: InputContract, max_rows: int) -> int:
    """Bytes a body holding `max_rows` rows of `contract`'s features may take (see module)."""
    per_row = ROW_BYTES + sum(len(name.encode()) + VALUE_BYTES for name in contract.names)
    return ENVELOPE_BYTES + max_rows * per_row
