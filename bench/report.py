"""Render a benchmark run as markdown (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from results import NAIVE, Cell, Results, Variant, median, ratio

INTRO = """\
# Performance

This page is written by the benchmark (`bench/run.py`, issue 5); do not edit it by hand.

For each lab size N the benchmark generates an nsgen lab of N namespaces `p1..pN` on one
bridge `br0` (10.200.0.0/16), each with a veth into the bridge and a default route via it,
one MASQUERADE for the subnet and one TCP port forward per namespace (host port 10000+i
to namespace i, port 80). It then measures:

- **compile**: wall time of `python -m nsgen.cli build lab.ns -t TARGET [--style STYLE]`,
  interpreter start included (`{python}`), run from a snapshot of the nsgen revision
  under *Machine* (`--nsgen-rev`, default `HEAD`), so edits in progress do not leak in,
  byte-compiled as `pip install` does. nsgen keeps its analysed grammar and compiled
  templates in a cache folder (`~/.cache/nsgen`; here the benchmark's own, filled by a first
  small build of each variant); one compile with an empty cache is shown for comparison.
- **apply / teardown**: wall time of `bash apply.sh` / `bash down.sh`, timed inside a
  fresh sandbox per run (the one `nsgen test` uses, `nsgen/harness/sandbox.py`:
  `unshare --net --mount --pid --fork`, private mounts, tmpfs on `/run`, read-only `/proc/sys`
  except `/proc/sys/net`). After apply the benchmark polls
  until every bridge port is UP (*ports UP after apply*: seconds after the script ended)
  and checks the state (namespaces, bridge ports, one namespace's address and route at
  each end, DNAT and MASQUERADE rules). After teardown it polls until the kernel has
  removed every veth (*veths gone after teardown*: deleting a namespace returns before
  its links are destroyed, so a fast teardown script may leave work behind) and checks
  that nothing is left. These waits are not part of the apply and teardown times. A run
  that fails a check is not counted in the medians and is listed under its table.
- the **naive reference**: a script the benchmark writes itself in the tutorial's style,
  one process per step (`ip netns exec NS ip ...`) and one `iptables -t nat -A` per rule;
  its teardown deletes each rule, each namespace and the bridge.
- **Mininet** (Debian package): `mn --switch lxbr --controller none --topo single,N
  --test none` in a sandbox with its own pid namespace, `/tmp` and `HOME`. Its *apply* is
  the time from launch to its first `*** Stopping` line (network created and started), its
  *teardown* the rest until exit.

Cells are medians of the runs (min-max in brackets); compile times of up to 1000 namespaces
are medians of at least 7 runs, the rest of `--repeat` runs. *Speedup* is the naive reference's
median divided by the variant's median, both from this same benchmark run; the runs of
all variants are interleaved (variant after variant, then the next repetition), so a busy
spell of the machine hits them alike. The machine may be shared: its load average before
the runs is under *Machine*.

The naive reference follows the tutorial's steps only: it neither raises `lo` in the
namespaces nor sets `ip_forward` nor adds FORWARD accept rules, all of which nsgen's
scripts do (nsgen also makes sure a rerun is harmless), so nsgen does somewhat more work
than the reference in every row. In one respect nsgen does less: by default it raises the
interfaces it puts in namespaces with `addrgenmode none`, so they get no IPv6 link-local
address and send no IPv6 neighbour, router or listener messages, which a bridge floods to
every port (see `ipv6 link-local` in docs/language.md). The naive reference, like a
hand-written script, keeps the kernel's default; the row *nsgen batch, `ipv6 link-local`*
builds the lab that way too, to show what the default saves.

Rerun from the repository root, as root (the run time is under *Machine*):

```
{command}
```
"""


@dataclass(frozen=True)
class Target:
    """One target of issue 5 and how to evaluate it from the results."""

    text: str
    measure: Callable[[Results], tuple[float | None, str]]
    goal: Callable[[float], bool] | None  # None: shown for comparison, no verdict


def fmt_seconds(value: float | None) -> str:
    """Seconds with a precision that suits the value."""
    if value is None:
        return "n/a"
    if value < 10:
        return f"{value:.3f} s"
    return f"{value:.1f} s"


def fmt_ratio(value: float | None) -> str:
    """A speedup like ``12.3x``."""
    return "n/a" if value is None else f"{value:.1f}x"


def fmt_values(values: list[float]) -> str:
    """Median with the range of the values."""
    if not values:
        return "n/a"
    text = fmt_seconds(median(values))
    if len(values) > 1:
        text += f" ({min(values):.3f}-{max(values):.3f})"
    return text


def _status(cell: Cell, repeat: int) -> str:
    """State column: ok, or how many runs failed."""
    if cell.unavailable:
        return "n/a"
    failed = cell.failed_runs()
    if not cell.runs:
        return "not run"
    return "ok" if not failed else f"**{failed}/{len(cell.runs)} failed**"


def _row(results: Results, n: int, variant: Variant) -> str:
    """One table row: variant x (compile, apply, teardown, speedups, waits, state)."""
    cell = results.cell(n, variant.key)
    if cell.unavailable:
        return f"| {variant.label} | {variant.target} |" + " n/a |" * 8
    naive = results.cell(n, NAIVE.key)
    speed_apply = ratio(median(naive.apply()), median(cell.apply()))
    speed_down = ratio(median(naive.teardown()), median(cell.teardown()))
    compile_text = fmt_values(cell.compile) if variant.kind == "nsgen" else "—"
    settle = fmt_seconds(median(cell.settle())) if variant.kind != "mininet" else "—"
    gone = fmt_seconds(median(cell.gone())) if variant.kind != "mininet" else "—"
    return (
        f"| {variant.label} | {variant.target} | {compile_text} | {fmt_values(cell.apply())} "
        f"| {fmt_values(cell.teardown())} | {fmt_ratio(speed_apply)} | {fmt_ratio(speed_down)} "
        f"| {settle} | {gone} | {_status(cell, results.repeat)} |"
    )


def size_section(results: Results, n: int) -> list[str]:
    """The table for one lab size, with the reasons for n/a and failed cells."""
    lines = [
        f"## N = {n}",
        "",
        (
            "| style | target | compile | apply | teardown | apply speedup vs naive "
            "| teardown speedup | ports UP after apply | veths gone after teardown | state |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_row(results, n, v) for v in results.variants]
    lines.append("")
    for variant in results.variants:
        cell = results.cell(n, variant.key)
        why = cell.unavailable or "; ".join(cell.problems())
        if why:
            lines.append(f"- {variant.label} ({variant.target}): {why}")
    return [*lines, ""]


def compile_section(results: Results) -> list[str]:
    """Compile-only sizes (and the measured sizes, for the growth ratio)."""
    sizes = sorted(set(results.sizes) | set(results.compile_only))
    nsgen = [v for v in results.variants if v.kind == "nsgen"]
    header = "| style | target | " + " | ".join(f"N={n}" for n in sizes) + " |"
    lines = ["## Compile time by size", "", header, "|---|---|" + "---|" * len(sizes)]
    for variant in nsgen:
        cells = [fmt_values(results.cell(n, variant.key).compile) for n in sizes]
        lines.append(f"| {variant.label} | {variant.target} | " + " | ".join(cells) + " |")
    for (n, key), seconds in sorted(results.cold_compile.items()):
        variant = next(v for v in results.variants if v.key == key)
        warm = fmt_seconds(results.compile_median(n, key))
        lines += ["", f"With an empty nsgen cache folder (the first run after installing nsgen, or after its"
                  f" grammar or templates changed), {variant.label} ({variant.target}) at N={n} compiled in"
                  f" {fmt_seconds(seconds)} (warm median above: {warm})."]
    return [*lines, ""]


def targets_section(results: Results, targets: list[Target]) -> list[str]:
    """The issue's targets with the measured value and whether it was met."""
    lines = ["## Targets (issue 5)", "", "| target | measured | met? |", "|---|---|---|"]
    for target in targets:
        value, text = target.measure(results)
        if target.goal is None:
            met = "— (comparison)"
        else:
            met = "n/a" if value is None else ("yes" if target.goal(value) else "**no**")
        lines.append(f"| {target.text} | {text} | {met} |")
    return [*lines, ""]


def machine_section(machine: dict[str, str]) -> list[str]:
    """The machine and tool versions."""
    lines = ["## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in machine.items()]
    return [*lines, ""]


def render(results: Results, machine: dict[str, str], targets: list[Target], command: str, python: str) -> str:
    """The whole markdown page."""
    lines = [INTRO.format(command=command, python=python)]
    lines += machine_section(machine)
    lines += targets_section(results, targets)
    for n in results.sizes:
        lines += size_section(results, n)
    lines += compile_section(results)
    if results.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in results.notes] + [""]
    return "\n".join(lines).rstrip() + "\n"
