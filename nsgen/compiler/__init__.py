"""The pipeline in one call: parse, transform, check, lower."""

from __future__ import annotations

from dataclasses import dataclass, field

from nsgen.compiler.checks import run_checks
from nsgen.compiler.diagnostics import Diagnostic
from nsgen.compiler.parser import parse
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.resolve import lower
from nsgen.compiler.symbols import collect


@dataclass
class Compilation:
    """The plan (None when there are errors) and every diagnostic, in source order."""

    plan: LabPlan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(d.is_error for d in self.diagnostics)


def compile_source(text: str, file: str) -> Compilation:
    """Compile the text of a lab file; `file` is how diagnostics and scripts name it."""
    program, syntax = parse(text, file)
    if program is None:
        return Compilation(None, syntax)
    symbols = collect(program)
    diagnostics = run_checks(program, symbols)
    if any(d.is_error for d in diagnostics):
        return Compilation(None, diagnostics)
    return Compilation(lower(program, symbols), diagnostics)
