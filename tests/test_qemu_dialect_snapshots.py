"""What virtc emits for QEMU versions that can't run here, frozen per dialect.

The snapshots hold the argv (one word per line) and the diagnostics of a set of golden
domains for five dialects: 0.9 (before -drive, -netdev and QemuOpts booleans; `vlan=`
hubs), 0.12 (first with -netdev/-device), 2.12 (last with `vlan=`), 7.2 (installed, and
proven on real QEMU by test_golden_qemu.py) and 10.0 (newest documented). Each flag behind
a difference is dated with its source in docs/qemu-dialects.md. Snapshots are updated by
hand only (`pytest tests/test_qemu_dialect_snapshots.py --snapshot-update`) after reading
the diff.
"""
import re

import pytest

from goldens import GOLDEN, compile_case

DIALECTS = ("0.9", "0.12", "2.12", "7.2", "10.0")
CASES = ("spec-kvm", "spec-qemu-fixed", "net-two-nics", "net-mcast", "net-server",
         "net-client", "net-ethernet-script", "net-bridge", "qemu-disks", "qemu-buses",
         "qemu-chardevs", "qemu-features-lifecycle", "qemu-boot-order", "qemu-vnc-autoport",
         "qemu-kqemu", "qemu-direct-kernel")


def compiled(case: str, version: str):
    _, argv, diagnostics = compile_case(GOLDEN / f"{case}.xml", "qemu", qemu_version=version)
    return argv, diagnostics


@pytest.mark.parametrize("version", DIALECTS)
@pytest.mark.parametrize("case", CASES)
def test_dialect_output(case, version, snapshot):
    argv, diagnostics = compiled(case, version)
    assert snapshot == {"argv": argv, "diagnostics": diagnostics}


def values(argv, flag):
    return [argv[i + 1] for i, w in enumerate(argv[:-1]) if w == flag]


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith(("net-", "spec-"))])
def test_legacy_dialect_puts_every_nic_on_its_own_vlan(case):
    """0.9: `-net nic,vlan=N` followed by its back end on the same N, one N per interface;
    two NICs on one vlan would be bridged together by QEMU's hub."""
    argv, _ = compiled(case, "0.9")
    if argv is None:      # e.g. a bridge, which 0.9 can't express (QEMU301)
        return
    nets = values(argv, "-net")
    vlans = [int(re.search(r"vlan=(\d+)", n).group(1)) for n in nets]
    nics = [v for n, v in zip(nets, vlans) if n.startswith("nic,")]
    backends = [v for n, v in zip(nets, vlans) if not n.startswith("nic,")]
    assert nics == backends == list(range(len(nics))), nets


@pytest.mark.parametrize("version", ["3.0", "7.2", "10.0"])
def test_no_vlan_from_3_0(version):
    for case in CASES:
        argv, _ = compiled(case, version)
        assert argv is None or not any("vlan=" in w for w in argv), (case, version)


def test_every_case_compiles_in_the_installed_dialect():
    failed = [c for c in CASES if compiled(c, "7.2")[0] is None]
    assert not failed
