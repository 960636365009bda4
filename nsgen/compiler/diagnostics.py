"""Source spans and diagnostics: what went wrong, where, and a hint of what to do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, order=True)
class Span:
    """A range of one source line: 1-based line and columns, end column exclusive."""

    file: str
    line: int
    column: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Severity(str, Enum):
    """How bad a diagnostic is: errors stop the build, warnings do not (unless --werror)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One message about the lab file, with its code, place and an optional hint."""

    code: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        """True for errors, False for warnings."""
        return self.severity is Severity.ERROR


def error(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    """Make an error diagnostic."""
    return Diagnostic(code, Severity.ERROR, message, span, hint)


def warning(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    """Make a warning diagnostic."""
    return Diagnostic(code, Severity.WARNING, message, span, hint)


def sort_key(diagnostic: Diagnostic) -> tuple[int, int, str]:
    """Source order: line, then column, then code."""
    return (diagnostic.span.line, diagnostic.span.column, diagnostic.code)


def _printable(line: str) -> str:
    """The source line as it can be shown on a terminal: control characters made visible."""
    return "".join(ch if ch.isprintable() or ch == "\t" else "\N{REPLACEMENT CHARACTER}" for ch in line)


def source_lines(source: str) -> list[str]:
    """The source's lines as spans count them, for `render`: split once, reuse for every diagnostic."""
    # Lark counts lines by "\n" only; str.splitlines() would also break at form feeds, U+2028...
    return [line.removesuffix("\r") for line in source.split("\n")]


def render(diagnostic: Diagnostic, source: str, lines: list[str] | None = None) -> str:
    """Render like a compiler: `file:line:col: error[E100]: message`, the line, a caret, a hint.

    `lines` is `source_lines(source)`; pass it when rendering many diagnostics of one source, so
    the source is split once, not once per diagnostic.
    """
    span = diagnostic.span
    head = f"{span}: {diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}"
    if lines is None:
        lines = source_lines(source)
    out = [head]
    if 1 <= span.line <= len(lines):
        text = lines[span.line - 1]
        if len(text) > 200:
            start = max(0, span.column - 40)
            text = text[start : start + 160]
            column = span.column - start
        else:
            column = span.column
        width = max(1, min(span.end_column - span.column, len(text) - column + 1))
        gutter = f"{span.line} | "
        out.append(gutter + _printable(text).replace("\t", " "))
        out.append(" " * (len(gutter) + column - 1) + "^" * width)
    if diagnostic.hint:
        out.append(f"hint: {diagnostic.hint}")
    return "\n".join(out)
