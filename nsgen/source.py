"""Reading a lab file, the one way every command does: a path, or `-` for standard input."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDIN = "-"
"""The FILE argument that means standard input."""

STDIN_NAME = "<stdin>"
"""How diagnostics and scripts name a lab read from standard input."""


class SourceError(Exception):
    """A lab file that cannot be read; its text says which file and why."""

    hint = "give the path of a lab file, e.g. examples/seed.ns, or - to read standard input"

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"cannot read {file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class LabSource:
    """The text of a lab file, the name diagnostics use for it, and its path (None for stdin)."""

    text: str
    name: str
    path: Path | None

    def is_file(self, other: Path) -> bool:
        """True when `other` names this lab's file: the same path once resolved, or (symbolic or
        hard link) the same file on disk."""
        if self.path is None:
            return False
        if self.path.resolve() == other.resolve():
            return True
        try:
            return os.path.samefile(self.path, other)
        except OSError:  # `other` does not exist (yet), so it is not the lab file
            return False


def read_lab(file: str, stdin: BinaryIO | None = None) -> LabSource:
    """Read the lab file `file` (`-`: `stdin`, by default this process's standard input).

    Raises SourceError when it cannot be read (missing, a folder, no permission).
    """
    if file == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            data = stream.read()
        except OSError as error:
            raise SourceError("standard input", error.strerror or str(error)) from None
        return LabSource(decode(data), STDIN_NAME, None)
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        raise SourceError(file, error.strerror or str(error)) from None
    return LabSource(decode(data), file, Path(file))


def decode(data: bytes) -> str:
    """Lab text from bytes: UTF-8, without the byte-order mark some editors write; bytes that are
    not UTF-8 become U+FFFD, which the parser then reports at their place (E001)."""
    return data.decode("utf-8-sig", errors="replace")
