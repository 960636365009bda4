"""Benchmark of a lab across machines (issue 11): M simulated machines x N namespaces on one
spanning bridge. The same per-machine setup scripts are applied twice, each time on fresh
simulated machines: by ansible-playbook (setup.yml, forks >= M) and by running the scripts one
after another (nsenter into each machine, as the `nsgen_sandbox` connection does). Prints the
apply times and the overhead Ansible adds per machine. Root and ansible-core needed.

    .venv/bin/python -m bench.machines [MACHINES] [NAMESPACES] [--style default|batch]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from nsgen.compiler import compile_source
from nsgen.harness.machinetest import run_playbook, sandbox_inventory, simulated_machines, write_out_dir
from nsgen.harness.sandbox import SandboxError


def lab_text(machines: int, namespaces: int) -> str:
    """One spanning bridge `lan` (10.0.0.0/8 overlay); namespaces m<M>p<I> on each machine."""
    lines = ["lab bench-machines"]
    lines += [f"machine h{m} 172.30.0.{m}" for m in range(1, machines + 1)]
    lines.append("bridge lan")
    for m in range(1, machines + 1):
        lines.append(f"on h{m} {{")
        for i in range(1, namespaces + 1):
            lines.append(f"  ns m{m}p{i}")
            lines.append(f"  veth m{m}p{i}<->lan ip 10.{m}.{i // 250}.{i % 250 + 1}/8")
        lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    try:
        _main()
    except SandboxError as error:
        raise SystemExit(f"bench.machines: the sandbox failed: {error}") from None


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("machines", type=int, nargs="?", default=8)
    parser.add_argument("namespaces", type=int, nargs="?", default=100)
    parser.add_argument("--style", default="batch", choices=("default", "batch"))
    parser.add_argument("--target", default="nft", choices=("iptables", "nft"))
    args = parser.parse_args()
    result = compile_source(lab_text(args.machines, args.namespaces), "bench-machines.ns", args.target)
    assert result.ok and result.machines is not None, result.diagnostics
    plans = result.machines
    report: dict[str, object] = {"machines": args.machines, "namespaces_per_machine": args.namespaces,
                                 "style": args.style, "target": args.target}
    with tempfile.TemporaryDirectory(prefix="nsgen-bench-machines-") as workdir:
        folder = Path(workdir)
        write_out_dir(folder, plans, "bench-machines", "bench-machines.ns", args.target, args.style)
        with simulated_machines(plans.addresses) as machines:
            (folder / "sandbox.ini").write_text(sandbox_inventory(machines, "bench-machines"), encoding="utf-8")
            started = time.monotonic()
            run = run_playbook(folder, "setup.yml")
            report["ansible_setup_s"] = round(time.monotonic() - started, 2)
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        with simulated_machines(plans.addresses) as machines:
            started = time.monotonic()
            for name, sandbox in machines.sandboxes.items():
                done = sandbox.run(["bash", str(folder / f"setup-{name}.sh")], timeout=600)
                assert done.returncode == 0, done.stderr[-2000:]
            report["sequential_setup_s"] = round(time.monotonic() - started, 2)
    ansible, sequential = float(str(report["ansible_setup_s"])), float(str(report["sequential_setup_s"]))
    report["ansible_minus_sequential_per_machine_s"] = round((ansible - sequential) / args.machines, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
