"""Data collected by a benchmark run, and the medians and ratios derived from it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from measure import RunResult


@dataclass(frozen=True)
class Variant:
    """One way of building the lab: an nsgen style and target, the naive script, or Mininet."""

    key: str
    label: str
    target: str
    kind: str  # "nsgen", "naive" or "mininet"
    style: str = "default"
    extra: str = ""  # lines put before the lab's own (nsgen variants)
    dual: bool = False  # the dual-stack lab (labgen.lab_source(n, dual=True)) instead of the IPv4 one


NSGEN_VARIANTS = [
    Variant("default-iptables", "nsgen default", "iptables", "nsgen", "default"),
    Variant("default-nft", "nsgen default", "nft", "nsgen", "default"),
    Variant("batch-iptables", "nsgen batch", "iptables", "nsgen", "batch"),
    Variant("batch-nft", "nsgen batch", "nft", "nsgen", "batch"),
    # The same lab keeping the kernel's IPv6 link-local addresses: what nsgen's default
    # `addrgenmode none` saves (docs/language.md, `ipv6 link-local`).
    Variant("batch-nft-ll", "nsgen batch, `ipv6 link-local`", "nft", "nsgen", "batch", "ipv6 link-local\n"),
    # The same lab dual-stack (issue 13): an IPv6 address, default route, masquerade and port
    # forward beside each IPv4 one.
    Variant("batch-nft-dual", "nsgen batch, dual-stack", "nft", "nsgen", "batch", dual=True),
    Variant("batch-iptables-dual", "nsgen batch, dual-stack", "iptables", "nsgen", "batch", dual=True),
]
NAIVE = Variant("naive", "naive reference (tutorial style)", "iptables -A", "naive")
MININET = Variant("mininet", "Mininet `single,N` lxbr", "-", "mininet")


@dataclass
class Cell:
    """All measurements of one variant at one size."""

    compile: list[float] = field(default_factory=list)
    runs: list[RunResult] = field(default_factory=list)
    unavailable: str | None = None  # reason, when the variant was not measured

    def apply(self) -> list[float]:
        """Apply (or start) times of the runs that fully succeeded."""
        return [r.apply for r in self.runs if r.ok and r.apply is not None]

    def teardown(self) -> list[float]:
        """Teardown (or stop) times of the runs that fully succeeded."""
        return [r.teardown for r in self.runs if r.ok and r.teardown is not None]

    def settle(self) -> list[float]:
        """Time from the end of apply until every bridge port was UP."""
        return [r.settle for r in self.runs if r.ok and r.settle is not None]

    def gone(self) -> list[float]:
        """Time from the end of teardown until the kernel had removed every veth."""
        return [r.gone for r in self.runs if r.ok and r.gone is not None]

    def problems(self) -> list[str]:
        """Problems of failed runs, without repeats."""
        seen: list[str] = []
        for run in self.runs:
            seen += [p for p in run.problems if p not in seen]
        return seen

    def failed_runs(self) -> int:
        """How many runs failed."""
        return sum(1 for r in self.runs if not r.ok)


def median(values: list[float]) -> float | None:
    """Median, or None for no values."""
    return statistics.median(values) if values else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return numerator / denominator


@dataclass
class Results:
    """Everything one run of the benchmark measured."""

    sizes: list[int]
    compile_only: list[int]
    repeat: int
    variants: list[Variant]
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    cold_compile: dict[tuple[int, str], float] = field(default_factory=dict)  # empty nsgen cache

    def loads(self) -> list[float]:
        """1-minute load averages seen just before each measured run."""
        return [r.load for cell in self.cells.values() for r in cell.runs if r.load is not None]

    def cell(self, n: int, key: str) -> Cell:
        """The cell of variant ``key`` at size ``n`` (created empty on first use)."""
        return self.cells.setdefault((n, key), Cell())

    def apply_median(self, n: int, key: str) -> float | None:
        """Median apply time of a variant at a size."""
        cell = self.cells.get((n, key))
        return median(cell.apply()) if cell else None

    def compile_median(self, n: int, key: str) -> float | None:
        """Median compile time of a variant at a size."""
        cell = self.cells.get((n, key))
        return median(cell.compile) if cell else None
