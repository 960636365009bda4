"""Benchmark nsgen's output styles against a naive tutorial-style script and Mininet.

Run as root from the repository root:

    python bench/run.py [--sizes 10,100,1000] [--repeat 3] [--out docs/performance.md]

Smoke test (seconds): python bench/run.py --sizes 3 --repeat 1 --no-mininet --out /tmp/x.md

Every apply runs in a fresh sandbox (nsgen's own, nsgen/harness/sandbox.py); nothing touches
the host's interfaces, routes, sysctls or firewall, and no traffic is sent.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labgen import check_size, lab_source, naive_apply, naive_down
from measure import MININET as MN_PATH
from measure import nsgen_argv, run_mininet, run_pair, time_command
from report import render
from results import MININET, NAIVE, NSGEN_VARIANTS, Results, Variant, median
from targets import issue_targets

REPO = Path(__file__).resolve().parent.parent
NSGEN_PATHS = ("nsgen", "templates", "grammar")
MININET_LIMIT = 120.0  # skip a Mininet size whose estimated start+stop exceeds this
COOLDOWN = 1.0  # seconds between runs, for the kernel's asynchronous namespace clean-up
COLD_SIZE, COLD_VARIANT = 1000, "batch-nft"  # one compile with an empty cache, for comparison


def log(message: str) -> None:
    """Progress on stderr (the report goes to --out)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_sizes(text: str) -> list[int]:
    """``10,100,1000`` -> [10, 100, 1000], each checked against the address scheme."""
    sizes = [int(part) for part in text.split(",") if part.strip()]
    for n in sizes:
        check_size(n)
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[10, 100, 1000])
    parser.add_argument(
        "--compile-only",
        type=parse_sizes,
        default=None,
        help="sizes only compiled, not applied (default: 10000 when a size >= 1000 is run)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md")
    parser.add_argument("--no-mininet", action="store_true", help="do not measure Mininet")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install Mininet when missing")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--only", default="", help="measure only these nsgen variants (keys, comma-separated), "
                        "and neither the naive script nor Mininet")
    parser.add_argument(
        "--nsgen-rev",
        default="HEAD",
        help="git revision of nsgen to measure, from a snapshot (default HEAD); 'worktree' uses the files as they are",
    )
    args = parser.parse_args(argv)
    if args.compile_only is None:
        args.compile_only = [10000] if max(args.sizes) >= 1000 else []
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def first_line(argv: list[str]) -> str:
    """First line of a command's output (stdout or stderr), or 'not installed'."""
    if not shutil.which(argv[0]):
        return "not installed"
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else "?"


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def memory() -> str:
    """Total memory from /proc/meminfo, in GiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def load_average() -> float:
    """The machine's 1-minute load average (the machine may be shared)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def git(*args: str) -> subprocess.CompletedProcess[str]:
    """Run git in the repository."""
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)


def nsgen_source(rev: str, workdir: Path) -> tuple[Path, str]:
    """A directory to run nsgen from, and a description of the revision in it.

    A snapshot of ``rev`` (nsgen/, templates/, grammar/) keeps the measurement steady
    while the working tree is being edited; ``worktree`` measures the files as they are.
    """
    if rev == "worktree":
        dirty = git("status", "--porcelain", "--", *NSGEN_PATHS).stdout.strip()
        head = git("rev-parse", "--short", "HEAD").stdout.strip() or "no commit"
        return REPO, f"working tree at {head}{' with uncommitted changes' if dirty else ''}"
    commit = git("rev-parse", "--verify", "--short", f"{rev}^{{commit}}")
    if commit.returncode:
        raise SystemExit(f"bench: unknown nsgen revision {rev!r}: {commit.stderr.strip()}")
    src = workdir / "nsgen-src"
    src.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit.stdout.strip(), *NSGEN_PATHS],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    # Byte-compile it as `pip install` does, so each run does not recompile nsgen's modules
    # (this environment may set PYTHONDONTWRITEBYTECODE).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src / "nsgen")], check=True)
    last = git("log", "-1", "--format=%h %s", commit.stdout.strip(), "--", *NSGEN_PATHS).stdout.strip()
    return src, f"{commit.stdout.strip()} (last change to nsgen/templates/grammar: {last})"


def last_line(err: str, code: int) -> str:
    """The last line of a failed command's stderr (or its exit code)."""
    lines = err.strip().splitlines()
    return lines[-1][-300:] if lines else f"exit {code}"


def machine_info() -> dict[str, str]:
    """The machine and tool versions, for the report."""
    date = first_line(["date", "-u", "+%Y-%m-%d %H:%M UTC"])
    return {
        "date": date,
        "kernel": os.uname().release,
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": memory(),
        "ip": first_line(["ip", "-V"]),
        "iptables": first_line(["iptables", "-V"]),
        "nft": first_line(["nft", "-v"]),
        "bash": first_line(["bash", "--version"]),
        "python (nsgen)": f"{sys.version.split()[0]} ({sys.executable})",
        "python (Mininet)": first_line(["/usr/bin/python3", "--version"]),
        "mininet": first_line([str(MN_PATH), "--version"]),
    }


def ensure_mininet(install: bool) -> str | None:
    """Install Mininet (without recommends) when missing; the reason when unavailable."""
    if MN_PATH.exists() and shutil.which("brctl"):
        return None
    if not install:
        return "Mininet is not installed (--no-install)"
    log("installing mininet and bridge-utils (apt-get, no recommends)")
    proc = subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "mininet", "bridge-utils"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode or not MN_PATH.exists():
        return f"apt-get install mininet failed: {proc.stderr.strip()[-200:]}"
    return None


def probe_variant(variant: Variant, workdir: Path, src: Path) -> str | None:
    """Build and tear down a 2-namespace lab with a variant; the reason when it fails."""
    lab = workdir / f"probe-{variant.key}.ns"
    lab.write_text(variant.extra + lab_source(2, variant.dual))
    for command in ("build", "down"):
        argv = nsgen_argv(command, lab, variant.target, variant.style)
        out = workdir / f"probe-{variant.key}-{command}.sh"
        _, code, err = time_command(argv, src, out)
        if code:
            last = last_line(err, code)
            shown = ["nsgen", command, "lab.ns", *argv[5:]]
            return f"`{shlex.join(shown)}` failed: {last}"
    return None


def compile_variant(results: Results, n: int, variant: Variant, lab: Path, src: Path) -> bool:
    """Compile ``repeat`` times, recording wall times; write apply.sh and down.sh."""
    cell = results.cell(n, variant.key)
    out = lab.parent / variant.key
    out.mkdir(parents=True, exist_ok=True)
    if variant.extra or variant.dual:
        lab = out / "lab.ns"
        lab.write_text(variant.extra + lab_source(n, variant.dual))
    for _ in range(compile_repeat(results.repeat, n)):
        seconds, code, err = time_command(
            nsgen_argv("build", lab, variant.target, variant.style), src, out / "apply.sh"
        )
        if code:
            cell.unavailable = f"build failed at N={n}: {last_line(err, code)}"
            return False
        cell.compile.append(seconds)
    _, code, err = time_command(nsgen_argv("down", lab, variant.target, variant.style), src, out / "down.sh")
    if code:
        cell.unavailable = f"down failed at N={n}: {last_line(err, code)}"
        return False
    return True


def compile_repeat(repeat: int, n: int) -> int:
    """How many times to compile: a compile of up to 1000 namespaces takes under a second and
    varies by +-15% here from run to run, so it is timed at least 7 times; bigger labs `repeat`."""
    return max(repeat, 7) if n <= 1000 else repeat


def cold_compile(results: Results, n: int, variant: Variant, lab: Path, src: Path) -> None:
    """One compile with an empty nsgen cache folder (the first run after an install or a
    grammar or template change); the timed runs use the warm cache the probes filled."""
    out = lab.parent / f"{variant.key}-cold"
    out.mkdir(parents=True, exist_ok=True)
    saved = os.environ["XDG_CACHE_HOME"]
    os.environ["XDG_CACHE_HOME"] = str(out / "empty-cache")
    try:
        seconds, code, _ = time_command(nsgen_argv("build", lab, variant.target, variant.style), src, out / "apply.sh")
    finally:
        os.environ["XDG_CACHE_HOME"] = saved
    if not code:
        results.cold_compile[(n, variant.key)] = seconds


def pair_timeout(n: int) -> float:
    """Sandbox time limit for one apply+teardown of an N lab (naive N=1000 needs ~80 s)."""
    return 120.0 + 0.4 * n


def mininet_estimate(results: Results, n: int) -> float | None:
    """Estimated start+stop seconds for Mininet at ``n`` from the largest smaller size."""
    done = [(m, results.cell(m, MININET.key)) for m in results.sizes if m < n and results.cell(m, MININET.key).apply()]
    if not done:
        return None
    m, cell = max(done, key=lambda pair: pair[0])
    total = min(cell.apply()) + min(cell.teardown())
    return total * (n / m) ** 1.2  # a little worse than linear, as measured


def should_skip_mininet(results: Results, n: int) -> str | None:
    """The reason to skip Mininet at ``n``, when its estimate exceeds the limit."""
    estimate = mininet_estimate(results, n)
    if estimate is not None and estimate > MININET_LIMIT:
        return f"skipped: estimated {estimate:.0f} s per run (> {MININET_LIMIT:.0f} s)"
    return None


def prepare_size(results: Results, n: int, workdir: Path, src: Path) -> None:
    """Write the lab and the naive scripts, compile every nsgen variant."""
    sizedir = workdir / str(n)
    sizedir.mkdir(parents=True, exist_ok=True)
    lab = sizedir / "lab.ns"
    lab.write_text(lab_source(n))
    naive = sizedir / NAIVE.key
    naive.mkdir(exist_ok=True)
    (naive / "apply.sh").write_text(naive_apply(n))
    (naive / "down.sh").write_text(naive_down(n))
    for variant in results.variants:
        if variant.kind == "nsgen" and not results.cell(n, variant.key).unavailable:
            log(f"N={n}: compiling {variant.key}")
            if compile_variant(results, n, variant, lab, src) and n == COLD_SIZE and variant.key == COLD_VARIANT:
                cold_compile(results, n, variant, lab, src)
    mininet = results.cell(n, MININET.key)
    if MININET in results.variants and not mininet.unavailable:
        mininet.unavailable = should_skip_mininet(results, n)


def measure_size(results: Results, n: int, workdir: Path) -> None:
    """Apply and tear down every available variant ``repeat`` times, interleaved."""
    for attempt in range(1, results.repeat + 1):
        for variant in results.variants:
            cell = results.cell(n, variant.key)
            if cell.unavailable:
                continue
            load = load_average()
            log(f"N={n} run {attempt}/{results.repeat}: {variant.key} (load {load})")
            if variant.kind == "mininet":
                run = run_mininet(n, MININET_LIMIT * 3)
            else:
                run = run_pair(workdir / str(n) / variant.key, n, pair_timeout(n))
            run.load = load
            cell.runs.append(run)
            time.sleep(COOLDOWN)
            log(f"  apply {run.apply} teardown {run.teardown} {'; '.join(run.problems)}")


def compile_only(results: Results, workdir: Path, src: Path) -> None:
    """Compile (not apply) the compile-only sizes with every nsgen variant."""
    for n in results.compile_only:
        sizedir = workdir / f"compile-{n}"
        sizedir.mkdir(parents=True, exist_ok=True)
        lab = sizedir / "lab.ns"
        lab.write_text(lab_source(n))
        for variant in results.variants:
            if variant.kind == "nsgen" and not results.cell(n, variant.key).unavailable:
                log(f"N={n}: compile only, {variant.key}")
                if compile_variant(results, n, variant, lab, src) and n == COLD_SIZE and variant.key == COLD_VARIANT:
                    cold_compile(results, n, variant, lab, src)


def setup_variants(results: Results, args: argparse.Namespace, workdir: Path, src: Path) -> None:
    """Mark variants that cannot be measured on this machine or tree, for every size."""
    reasons: dict[str, str | None] = {}
    for variant in (v for v in results.variants if v.kind == "nsgen"):
        reasons[variant.key] = probe_variant(variant, workdir, src)
        log(f"{variant.key}: {reasons[variant.key] or 'available'}")
    if MININET in results.variants:
        reasons[MININET.key] = ensure_mininet(not args.no_install)
    for n in sorted(set(results.sizes) | set(results.compile_only)):
        for key, reason in reasons.items():
            if reason:
                results.cell(n, key).unavailable = reason


def _terminate(signum: int, _frame: object) -> None:
    """Turn SIGTERM into an exception, so the running sandbox is killed on the way out."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the report."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    if os.geteuid() != 0:
        print("bench/run.py needs root (it creates namespaces in a sandbox)", file=sys.stderr)
        return 2
    variants = [*NSGEN_VARIANTS, NAIVE] + ([] if args.no_mininet else [MININET])
    if args.only:
        keys = set(args.only.split(","))
        unknown = keys - {v.key for v in NSGEN_VARIANTS}
        if unknown:
            print(f"unknown variant(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        variants = [v for v in NSGEN_VARIANTS if v.key in keys]
    results = Results(args.sizes, args.compile_only, args.repeat, variants)
    workdir = Path(tempfile.mkdtemp(prefix="nsgen-bench-"))
    # nsgen's parser and template caches: the benchmark's own, filled by the probes below.
    os.environ["XDG_CACHE_HOME"] = str(workdir / "xdg-cache")
    log(f"work directory {workdir}; host netns {os.readlink('/proc/self/ns/net')}")
    machine = machine_info()
    started = time.monotonic()
    try:
        src, machine["nsgen revision"] = nsgen_source(args.nsgen_rev, workdir)
        setup_variants(results, args, workdir, src)
        for n in args.sizes:
            prepare_size(results, n, workdir, src)
            measure_size(results, n, workdir)
        compile_only(results, workdir, src)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    loads = results.loads()
    if loads:
        machine["load average before runs"] = (
            f"median {median(loads):.2f}, max {max(loads):.2f} (1-minute, over {len(loads)} runs)"
        )
    machine["benchmark run time"] = f"{(time.monotonic() - started) / 60:.1f} min"
    command = shlex.join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    page = render(results, machine, issue_targets(), command, sys.executable)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
