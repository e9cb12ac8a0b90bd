"""API keys of the scoring service: the key file, and which key (if any) a request carries.

A key file holds one ``NAME KEY`` pair per line; ``#`` starts a comment (so a key holds no
``#``), blank lines are skipped::

    # who          key (python -c "import secrets; print(secrets.token_urlsafe(32))")
    loan-desk      3q8V0m6c1uQ2Xz0hR9v4sJbW7yKpL5tN2eFgAaDdCc
    batch-nightly  Zp1Qm7fJ0kVx4B9sT2wR6yN3hL8cG5dE1aUoIiPpKk

A client sends ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Only SHA-256 digests
of the keys are kept in memory, and a presented key is compared with every digest in constant
time (`hmac.compare_digest`, no early exit), so neither the time of an answer nor a log line
tells anything about a key. The prediction log records the key's name.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from bankruptcy.core.errors import UserError

#: Environment variable naming the key file (``serve --api-keys`` takes precedence).
ENV = "BANKRUPTCY_API_KEYS"
#: Shortest key accepted: ~96 bits as URL-safe base64, what guessing cannot reach.
MIN_KEY_LENGTH = 16
HEADER = "x-api-key"
#: How a client is told which credentials the service takes (RFC 6750's Bearer challenge).
CHALLENGE = 'Bearer realm="bankruptcy"'
#: A key travels in an HTTP header: visible ASCII only.
_KEY = re.compile(r"[\x21-\x7e]+")
_NAME = re.compile(r"[A-Za-z0-9_.@-]+")
_HOW = "one 'NAME KEY' pair per line, '#' starts a comment"


@dataclass(frozen=True)
class ApiKeys:
    """The keys a service accepts, by name (digests only).

    Attributes
    ----------
    source : str
        The key file.
    digests : tuple of (name, bytes)
        Each key's name and the SHA-256 digest of the key.
    """

    source: str
    digests: tuple[tuple[str, bytes], ...]

    @classmethod
    def read(cls, path: str | os.PathLike) -> ApiKeys:
        """The keys of a key file (see the module docstring).

        Raises
        ------
        UserError
            A file that cannot be read, a malformed line (named by file and line), a repeated
            name or key, a key too short, or a file without keys.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or error
            raise UserError(f"{path}: cannot read the API key file ({reason})") from None
        digests, names, seen = [], set(), set()
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            where = f"{path}, line {number}"
            if len(fields) != 2:
                raise UserError(
                    f"{where}: expected NAME KEY, found {len(fields)} field(s) ({_HOW})"
                )
            name, key = fields
            if not _NAME.fullmatch(name):
                raise UserError(f"{where}: name {name!r} may hold letters, digits and _.@- only")
            if not _KEY.fullmatch(key) or len(key) < MIN_KEY_LENGTH:
                raise UserError(
                    f"{where}: the key of {name} must be at least {MIN_KEY_LENGTH} visible ASCII "
                    'characters (make one: python -c "import secrets; '
                    'print(secrets.token_urlsafe(32))")'
                )
            digest = _digest(key)
            if name in names or digest in seen:
                repeated = f"name {name}" if name in names else f"the key of {name}"
                raise UserError(f"{where}: {repeated} is already in the file; each must be unique")
            names.add(name)
            seen.add(digest)
            digests.append((name, digest))
        if not digests:
            raise UserError(f"{path}: the API key file holds no keys ({_HOW})")
        return cls(str(path), tuple(digests))

    def name_of(self, presented: str | None) -> str | None:
        """The name of the key `presented`, or None for a missing or unknown key.

        Every stored digest is compared, whichever matches, so the time taken does not depend
        on which key (if any) it is.
        """
        if not presented:
            return None
        digest = _digest(presented)
        found = None
        for name, stored in self.digests:
            if hmac.compare_digest(digest, stored) and found is None:
                found = name
        return found

    def readable_by_others(self) -> bool:
        """Whether the file's permissions let other users read it."""
        return bool(os.stat(self.source).st_mode & (stat.S_IRGRP | stat.S_IROTH))


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    """The key a request's headers carry: ``Authorization: Bearer <key>`` or ``X-API-Key``."""
    authorization = headers.get(b"authorization")
    if authorization is not None:
        scheme, _, token = authorization.decode("latin-1").strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    key = headers.get(HEADER.encode(), b"").decode("latin-1").strip()
    return key or None


def key_file(option: str | None) -> str | None:
    """The key file to use: the option, else ``$BANKRUPTCY_API_KEYS``, else None (no keys)."""
    return option or os.environ.get(ENV) or None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
