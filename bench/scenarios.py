"""Benchmarks of the milestone's scenario labs, each against its reference in the same run:

- `routers` (issue 12): N namespaces on one bridge behind a router namespace that masquerades them
  out to the host; every namespace `isolate`d with an `allow` from the host; a `run` server in 10
  of them. nsgen's batch style (both targets) against a naive script written the tutorial's way
  (one command per step, `ip netns exec NS iptables ...` per rule, `&` for the servers).
- `ovs` (issue 14): N namespaces on an Open vSwitch bridge against the same lab on a Linux bridge,
  default and batch styles (nft target), in sandboxes running their own ovsdb-server and
  ovs-vswitchd (the userspace datapath here). Also counts the `ovs-vsctl` calls each script makes.

Every apply+teardown runs in a fresh sandbox of nsgen's (nothing reaches the host) and is timed
inside it with bash's $EPOCHREALTIME; runs are interleaved, `--repeat` times; medians and ranges
are reported with the machine and its load. Root needed.

    .venv/bin/python bench/scenarios.py [--routers 1000] [--ovs 100] [--repeat 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nsgen.harness.sandbox import Sandbox  # noqa: E402

SERVERS = 10
"""How many namespaces of the routers lab run a server."""


def _address(i: int) -> str:
    host = i + 1
    return f"10.200.{host // 256}.{host % 256}"


def routers_lab(n: int) -> str:
    """The routers lab of `n` namespaces (p1..pN) behind router namespace r1."""
    lines = [f"lab routers{n}", "ns r1", "router r1", "bridge br0",
             "veth r1:eth1<->br0 ip 10.200.0.1/16",
             "veth r1:eth0<->host ip 10.201.0.2/30, 10.201.0.1/30",
             "route host 10.200.0.0/16 via 10.201.0.2",
             "nat r1 masquerade 10.200.0.0/16 out eth0"]
    for i in range(1, n + 1):
        lines += [f"ns p{i}", f"veth p{i}:eth0<->br0 ip {_address(i)}/16", f"route p{i} default via 10.200.0.1",
                  f"isolate p{i}", f"allow host -> p{i} tcp 80"]
        if i <= SERVERS:
            lines.append(f"run p{i} python3 -m http.server 80 --bind {_address(i)}")
    return "\n".join(lines) + "\n"


def routers_naive(n: int) -> tuple[str, str]:
    """The same lab by hand, the tutorial's way: setup and teardown scripts."""
    up = ["#!/bin/bash", "set -e", "ip netns add r1", "ip link add br0 type bridge", "ip link set br0 up",
          "ip link add r1-eth1 type veth peer name r1-br", "ip link set r1-eth1 netns r1",
          "ip link set r1-br master br0 up", "ip netns exec r1 ip addr add 10.200.0.1/16 dev r1-eth1",
          "ip netns exec r1 ip link set r1-eth1 up", "ip netns exec r1 ip link set lo up",
          "ip link add r1-eth0 type veth peer name r1-host", "ip link set r1-eth0 netns r1",
          "ip addr add 10.201.0.1/30 dev r1-host", "ip link set r1-host up",
          "ip netns exec r1 ip addr add 10.201.0.2/30 dev r1-eth0", "ip netns exec r1 ip link set r1-eth0 up",
          "ip route add 10.200.0.0/16 via 10.201.0.2",
          "ip netns exec r1 sysctl -w net.ipv4.ip_forward=1",
          "ip netns exec r1 iptables -t nat -A POSTROUTING -s 10.200.0.0/16 -o r1-eth0 -j MASQUERADE"]
    down = ["#!/bin/bash", "set -e"]
    for i in range(1, n + 1):
        ns, inner, outer = f"p{i}", f"v-p{i}", f"v-p{i}-br"
        up += [f"ip netns add {ns}", f"ip link add {inner} type veth peer name {outer}",
               f"ip link set {inner} netns {ns}", f"ip link set {outer} master br0 up",
               f"ip netns exec {ns} ip addr add {_address(i)}/16 dev {inner}",
               f"ip netns exec {ns} ip link set {inner} up", f"ip netns exec {ns} ip link set lo up",
               f"ip netns exec {ns} ip route add default via 10.200.0.1",
               f"ip netns exec {ns} iptables -A INPUT -i lo -j ACCEPT",
               f"ip netns exec {ns} iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
               f"ip netns exec {ns} iptables -A INPUT -s 10.201.0.1 -p tcp --dport 80 -j ACCEPT",
               f"ip netns exec {ns} iptables -A INPUT -j DROP"]
        if i <= SERVERS:
            up.append(f"ip netns exec {ns} python3 -m http.server 80 --bind {_address(i)} >/dev/null 2>&1 &")
            up.append(f"echo $! >/run/bench-p{i}.pid")
            down.append(f"kill \"$(cat /run/bench-p{i}.pid)\"; rm /run/bench-p{i}.pid")
    down += [f"ip netns del p{i}" for i in range(1, n + 1)]
    down += ["ip route del 10.200.0.0/16 via 10.201.0.2", "ip netns del r1", "ip link del br0"]
    return "\n".join(up) + "\n", "\n".join(down) + "\n"


def ovs_lab(n: int, switch: str) -> str:
    """N namespaces on one switch: `ovs` (Open vSwitch) or `linux` (a Linux bridge)."""
    lines = [f"lab ovs{n}", f"bridge sw0 ip 10.200.0.1/16{' type ovs' if switch == 'ovs' else ''}"]
    for i in range(1, n + 1):
        lines += [f"ns p{i}", f"veth p{i}:eth0<->sw0 ip {_address(i)}/16"]
    return "\n".join(lines) + "\n"


# Inside the sandbox: apply, check, teardown, check; times from $EPOCHREALTIME.
DRIVER = r"""
cd {folder}
# count the ovs-vsctl calls setup makes: a wrapper first in PATH (the sandbox's /run is its own)
mkdir -p /run/bench-bin
real=$(command -v ovs-vsctl || echo /usr/bin/ovs-vsctl)
printf '#!/bin/sh\necho >>/run/bench-vsctl.calls\nexec %s "$@"\n' "$real" >/run/bench-bin/ovs-vsctl
chmod +x /run/bench-bin/ovs-vsctl
t0=$EPOCHREALTIME; PATH=/run/bench-bin:$PATH bash up.sh >up.log 2>&1; rc=$?; t1=$EPOCHREALTIME
echo "BENCH apply $rc $t0 $t1"
echo "BENCH vsctl $(cat /run/bench-vsctl.calls 2>/dev/null | wc -l)"
echo "BENCH netns $(ip netns list | wc -l) processes $(pgrep -c -f 'http[.]server' || true)"
t2=$EPOCHREALTIME; bash down.sh >down.log 2>&1; rc=$?; t3=$EPOCHREALTIME
echo "BENCH down $rc $t2 $t3"
for ((i = 0; i < 600; i++)); do [ "$(ip -o link show type veth | wc -l)" -eq 0 ] && break; sleep 0.05; done
echo "BENCH left $(ip netns list | wc -l) $(ip -o link show type veth | wc -l) $(pgrep -c -f 'http[.]server' || true)"
"""


@dataclass
class Cell:
    """One variant's runs: apply and teardown seconds, and what went wrong."""

    label: str
    apply: list[float] = field(default_factory=list)
    down: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    vsctl: int | None = None


def _marks(stdout: str) -> dict[str, list[str]]:
    return {p[1]: p[2:] for p in (line.split() for line in stdout.splitlines()) if len(p) > 2 and p[0] == "BENCH"}


def measure(cell: Cell, folder: Path, namespaces: int, servers: int, ovs: bool, timeout: float) -> None:
    """One apply+teardown of folder/up.sh and folder/down.sh in a fresh sandbox."""
    cell.loads.append(float(Path("/proc/loadavg").read_text().split()[0]))
    with Sandbox(ovs=ovs) as sandbox:
        done = sandbox.run(["bash", "-c", DRIVER.format(folder=folder)], timeout=timeout)
    marks = _marks(done.stdout)
    if done.timed_out or "down" not in marks:
        cell.problems.append(f"timed out or stopped: {done.stderr[-300:]}")
        return
    apply, down = marks["apply"], marks["down"]
    if apply[0] != "0" or down[0] != "0":
        tail = (folder / ("up.log" if apply[0] != "0" else "down.log")).read_text(errors="replace")[-300:]
        cell.problems.append(f"exit {apply[0]}/{down[0]}: {tail}")
        return
    if marks["netns"] != [str(namespaces), "processes", str(servers)]:
        cell.problems.append(f"after apply: {' '.join(marks['netns'])}")
    if marks["left"] != ["0", "0", "0"]:
        cell.problems.append(f"after teardown: netns, veths, servers left {' '.join(marks['left'])}")
    cell.vsctl = int(marks["vsctl"][0]) if ovs else None
    cell.apply.append(float(apply[2]) - float(apply[1]))
    cell.down.append(float(down[2]) - float(down[1]))


def nsgen_scripts(lab: str, folder: Path, target: str, style: str) -> None:
    """nsgen build and down of `lab` into folder/up.sh and folder/down.sh."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lab.ns").write_text(lab, encoding="utf-8")
    for command, name in (("build", "up.sh"), ("down", "down.sh")):
        argv = [sys.executable, "-m", "nsgen.cli", command, str(folder / "lab.ns"), "-t", target, "--style", style]
        done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=REPO)
        if done.returncode:
            raise SystemExit(f"bench: nsgen {command} failed: {done.stderr[-500:]}")
        (folder / name).write_text(done.stdout, encoding="utf-8")


def _median(values: list[float]) -> str:
    if not values:
        return "not measured"
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def _ratio(top: list[float], bottom: list[float]) -> str:
    if not top or not bottom:
        return "-"
    return f"{statistics.median(top) / statistics.median(bottom):.2f}x"


def table(title: str, cells: list[Cell], reference: Cell) -> list[str]:
    lines = [f"### {title}", "", f"| variant | apply | teardown | apply vs {reference.label} | ovs-vsctl calls "
             "in setup | load (1 min) |", "|---|---|---|---|---|---|"]
    for cell in cells:
        loads = f"{min(cell.loads):.1f}-{max(cell.loads):.1f}" if cell.loads else "-"
        lines.append(f"| {cell.label} | {_median(cell.apply)} | {_median(cell.down)} | "
                     f"{_ratio(cell.apply, reference.apply)} | {cell.vsctl if cell.vsctl is not None else '-'} | "
                     f"{loads} |")
    problems = [f"- {cell.label}: {problem}" for cell in cells for problem in cell.problems]
    return lines + (["", *problems] if problems else []) + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routers", type=int, default=1000, help="namespaces of the routers lab (0: skip)")
    parser.add_argument("--ovs", type=int, default=100, help="namespaces of the ovs lab (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="write the report here (default: print it)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench: run as root (every run is in a sandbox of its own)")
    report = ["# Scenario benchmarks (bench/scenarios.py)", "",
              f"Machine: {os.cpu_count()} cores, kernel {os.uname().release}; "
              f"`{' '.join(['python', 'bench/scenarios.py', *sys.argv[1:]])}`, "
              f"{args.repeat} runs each, interleaved; medians (min-max). The machine may be shared: "
              "the 1-minute load average at each run's start is shown.", ""]
    with tempfile.TemporaryDirectory(prefix="nsgen-bench-scenarios-") as work:
        root = Path(work)
        if args.routers:
            n = args.routers
            cells = [Cell("naive (tutorial's way)"), Cell("nsgen batch, iptables"), Cell("nsgen batch, nft")]
            up, down = routers_naive(n)
            (root / "naive").mkdir()
            (root / "naive" / "up.sh").write_text(up, encoding="utf-8")
            (root / "naive" / "down.sh").write_text(down, encoding="utf-8")
            nsgen_scripts(routers_lab(n), root / "iptables", "iptables", "batch")
            nsgen_scripts(routers_lab(n), root / "nft", "nft", "batch")
            for attempt in range(args.repeat):
                for cell, folder in zip(cells, ("naive", "iptables", "nft"), strict=True):
                    print(f"[bench] routers N={n} run {attempt + 1}: {cell.label}", file=sys.stderr, flush=True)
                    measure(cell, root / folder, n + 1, SERVERS, False, 600 + n)
            report += table(f"Routers (issue 12): {n} isolated namespaces with allows behind a router "
                            f"namespace that masquerades them, {SERVERS} `run` servers", cells[1:] + cells[:1],
                            cells[0])
        if args.ovs:
            n = args.ovs
            cells = []
            for switch in ("linux", "ovs"):
                for style in ("default", "batch"):
                    folder = root / f"{switch}-{style}"
                    nsgen_scripts(ovs_lab(n, switch), folder, "nft", style)
                    cells.append(Cell(f"{'Open vSwitch' if switch == 'ovs' else 'Linux bridge'}, {style}"))
            for attempt in range(args.repeat):
                for cell in cells:
                    key = ("ovs" if cell.label.startswith("Open") else "linux") + "-" + cell.label.split(", ")[1]
                    print(f"[bench] ovs N={n} run {attempt + 1}: {cell.label}", file=sys.stderr, flush=True)
                    measure(cell, root / key, n, 0, True, 300 + n)
            report += table(f"Open vSwitch (issue 14): {n} namespaces on one switch, nft target", cells, cells[0])
            report += ["(ovs-vsctl calls: the `ovs-vsctl` processes setup ran, counted by a wrapper first in "
                       "its PATH; the preflight's and the checks' included.)", ""]
    text = "\n".join(report)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
