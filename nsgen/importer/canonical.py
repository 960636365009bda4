"""Labs compared by meaning: two lab texts are the same lab when they compile to the same plan,
whatever their order, spelling (default names written or not, `host<->red` or `red<->host`),
comments and line numbers. Used by import's tests and proofs."""

from __future__ import annotations

import dataclasses
from typing import Any

from nsgen.compiler import compile_source, plan


class LabError(ValueError):
    """A lab text that does not compile; its message lists the errors."""


_WORDING = {"origin", "mode_given", "reason", "implicit"}
"""Plan fields that say how the lab is written, not what it builds: where a statement is, whether
a macvlan's mode or a bridge was written out, why a sysctl is set."""


def _plain(value: Any) -> Any:
    """A dataclass tree as sorted tuples, without origins (where a thing is written)."""
    if isinstance(value, plan.Origin):
        return None
    if isinstance(value, plan.Veth):
        ends = sorted((_plain(value.outer), _plain(value.inner)), key=repr)
        return ("veth", tuple(ends), value.mtu)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, _plain(getattr(value, f.name)))
                                            for f in dataclasses.fields(value) if f.name not in _WORDING))
    if isinstance(value, tuple | list):
        return tuple(sorted((_plain(item) for item in value), key=repr))
    return value


def canonical(text: str, file: str = "lab.ns", expectations: bool = False, name: bool = True) -> Any:
    """The lab's plan as a comparable value: everything but origins, `source` and (unless asked
    for) expectations and the lab's name."""
    result = compile_source(text, file)
    if result.plan is None:
        from nsgen.compiler.diagnostics import render

        raise LabError("\n".join(render(d, text) for d in result.diagnostics if d.is_error))
    lab = result.plan
    fields = {f.name: getattr(lab, f.name) for f in dataclasses.fields(lab)}
    fields.pop("source")
    fields.pop("file")
    if not expectations:
        fields.pop("expectations")
    if not name:
        fields.pop("name")
    return tuple(sorted((key, _plain(value)) for key, value in fields.items()))


def differences(one: Any, two: Any) -> list[str]:
    """The fields in which two canonical labs differ, for a test's failure message."""
    a, b = dict(one), dict(two)
    return [f"{key}:\n  - {a.get(key)!r}\n  + {b.get(key)!r}" for key in sorted(set(a) | set(b))
            if a.get(key) != b.get(key)]
