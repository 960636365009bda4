"""The iptables target's `ns_restore` helper (templates/iptables/ns_restore.sh.j2), run as the
setup script carries it against a stub `ip` (no kernel, no root): what it hands to
`iptables-restore` inside a namespace, and when it puts the lab's rules there on the undo list,
for a namespace the run made, a rerun, an edited lab that no longer uses a chain, and a family
with nothing to do. The kernel tests (tests/kernel/test_namespace_rules*.py) run it for real."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from nsgen.compiler import compile_source
from nsgen.compiler.targets import render

LAB = """\
lab x
ns red
ns r1
router r1
veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24
veth r1:wan<->host ip 10.9.0.2/24, 10.9.0.1/24
nat r1 masquerade 10.0.1.0/24 out wan
"""

SPECS = ("nat:PREROUTING:nsgen-x-pre:- nat:OUTPUT:nsgen-x-out:- nat:POSTROUTING:nsgen-x-post:-A "
         "filter:FORWARD:nsgen-x-fwd:-I filter:INPUT:nsgen-x-in:-")

RULES = """*nat
:nsgen-x-post - [0:0]
-A nsgen-x-post -s 10.0.1.0/24 ! -d 10.0.1.0/24 -o wan -j MASQUERADE
COMMIT
*filter
:nsgen-x-fwd - [0:0]
-A nsgen-x-fwd -s 10.0.1.0/24 -o wan -j ACCEPT
COMMIT
"""


def _functions() -> str:
    """The helper functions `ns_restore` calls, as the lab's setup script defines them."""
    result = compile_source(LAB, "lab.ns", "iptables")
    assert result.plan is not None, result.diagnostics
    script = render(result.plan, "iptables", "setup", "default")
    assert re.search(r"^ns_restore r1 iptables 'nsrules r1' " + re.escape(SPECS) + " <<'RULES'$", script, re.M), \
        "the setup no longer calls ns_restore as this test does"
    return "\n".join(re.search(rf"^{name}\(\) {{\n.*?^}}$", script, re.M | re.S).group()  # type: ignore[union-attr]
                     for name in ("ns_restore", "made_now", "lab_owns"))


def _run(tmp_path: Path, saved: str, made: bool, owned: bool, rules: str = RULES,
         specs: str = SPECS, key: str = "'nsrules r1'") -> tuple[str | None, str]:
    """ns_restore of RULES in r1 with `saved` as what iptables-save shows there: the text handed to
    iptables-restore (None: not run) and what went on the undo list."""
    (tmp_path / "saved").write_text(saved, encoding="utf-8")
    (tmp_path / "rules").write_text(rules, encoding="utf-8")
    stub = f"""set -euo pipefail
tmp={tmp_path}
declare -A owned=()
{"owned['nsrules r1']=+" if owned else ""}
undo=({"'netns r1'" if made else ""})
ip() {{ # ip netns exec NS TOOL ...
  echo "$4" >>{tmp_path}/calls
  case $4 in
    iptables-save) cat {tmp_path}/saved ;;
    iptables-restore) cat >{tmp_path}/restored ;;
    *) echo "unexpected: $*" >&2; return 1 ;;
  esac
}}
undo_push() {{ echo "$1" >>{tmp_path}/undo; }}
{_functions()}
ns_restore r1 iptables {key} {specs} <{tmp_path}/rules
"""
    done = subprocess.run(["bash", "-c", stub], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    restored = tmp_path / "restored"
    undo = tmp_path / "undo"
    return (restored.read_text() if restored.exists() else None), (undo.read_text() if undo.exists() else "")


def test_a_namespace_the_run_made_gets_chains_rules_and_jumps_in_one_run(tmp_path: Path) -> None:
    restored, undo = _run(tmp_path, saved="", made=True, owned=False)
    assert (tmp_path / "calls").read_text() == "iptables-restore\n"  # nothing to read in a new namespace
    assert restored == RULES.replace("COMMIT", "-A POSTROUTING -j nsgen-x-post\nCOMMIT", 1).replace(
        "-o wan -j ACCEPT\nCOMMIT", "-o wan -j ACCEPT\n-I FORWARD -j nsgen-x-fwd\nCOMMIT")
    assert undo == "nsrules r1\n"


def test_a_rerun_adds_no_second_jump_and_leaves_the_undo_list_alone(tmp_path: Path) -> None:
    saved = ("*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:nsgen-x-post - [0:0]\n"
             "-A POSTROUTING -j nsgen-x-post\n-A nsgen-x-post -s 10.0.1.0/24 -j MASQUERADE\nCOMMIT\n"
             "*filter\n:FORWARD ACCEPT [0:0]\n:nsgen-x-fwd - [0:0]\n-A FORWARD -j nsgen-x-fwd\nCOMMIT\n")
    restored, undo = _run(tmp_path, saved, made=False, owned=True)
    assert restored == RULES and undo == ""


def test_a_chain_an_earlier_version_used_is_unhooked_and_deleted_in_the_same_run(tmp_path: Path) -> None:
    """The lab had a port forward (nsgen-x-pre, hooked twice by hand-made accident) and no longer has."""
    saved = ("*nat\n:PREROUTING ACCEPT [0:0]\n:nsgen-x-pre - [0:0]\n:nsgen-x-post - [0:0]\n"
             "-A PREROUTING -j nsgen-x-pre\n-A PREROUTING -p tcp -j ACCEPT\n-A PREROUTING -j nsgen-x-pre\n"
             "-A POSTROUTING -j nsgen-x-post\nCOMMIT\n*filter\n-A FORWARD -j nsgen-x-fwd\nCOMMIT\n")
    restored, _undo = _run(tmp_path, saved, made=False, owned=True)
    assert restored is not None
    nat = restored.split("*filter")[0]
    assert nat.endswith("-D PREROUTING -j nsgen-x-pre\n-D PREROUTING -j nsgen-x-pre\n-F nsgen-x-pre\n"
                        "-X nsgen-x-pre\nCOMMIT\n"), restored
    assert "-A POSTROUTING" not in restored and "-I FORWARD" not in restored


def test_a_namespace_that_had_other_rules_gets_its_jumps_and_the_undo(tmp_path: Path) -> None:
    """The namespace was there before with its own rules, none of the lab's: jumps added, and the
    lab's rules there are this run's to undo; the namespace's own rules are not in the input."""
    saved = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
    restored, undo = _run(tmp_path, saved, made=False, owned=False)
    assert restored is not None and "-I FORWARD -j nsgen-x-fwd" in restored and "--dport 22" not in restored
    assert undo == "nsrules r1\n"


def test_a_family_with_nothing_to_do_runs_no_restore(tmp_path: Path) -> None:
    """The call for the family the namespace has no rules of (stdin empty, every chain `-`)."""
    restored, undo = _run(tmp_path, saved="*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", made=False, owned=False,
                          rules="", specs=re.sub(r":-[AI]\b", ":-", SPECS), key="-")
    assert restored is None and undo == ""
    assert (tmp_path / "calls").read_text() == "iptables-save\n"
