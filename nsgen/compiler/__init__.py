"""The compiler: grammar -> IR -> checks -> plan -> steps -> scripts. `compile_source` runs it up to the plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from nsgen.compiler.diagnostics import Diagnostic, sort_key
from nsgen.compiler.parser import parse
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.resolve import lower
from nsgen.compiler.statements import CHECKS, LOWERING
from nsgen.compiler.symbols import collect, qualify_bridge_ends


@dataclass
class Compilation:
    """The plan (None when there are errors) and every diagnostic, in source order."""

    plan: LabPlan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(d.is_error for d in self.diagnostics)


def compile_source(text: str, file: str, target: str | None = None, source: str | None = None) -> Compilation:
    """Compile the text of a lab file; `file` is how diagnostics and scripts name it. With a
    `target`, what that target cannot express is refused too (before any script is written).
    `source` is the lab file's identity on a host (the CLI gives its absolute path; default: its name)."""
    program, syntax = parse(text, file)
    if program is None:
        return Compilation(None, syntax)
    program = qualify_bridge_ends(program)
    symbols = collect(program)
    found = [d for check in CHECKS for d in check(program, symbols)]
    if target is not None:
        from nsgen.compiler.targets import get_target, unsupported

        found += unsupported(program, get_target(target))
    diagnostics = sorted(found, key=sort_key)
    if any(d.is_error for d in diagnostics):
        return Compilation(None, diagnostics)
    return Compilation(lower(program, symbols, LOWERING, source), diagnostics)
