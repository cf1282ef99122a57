"""Issue 12, must-show 4: snapshots per dialect of today's spellings, next to key=value.

Plain "7.2" is virtc's key=value spelling (frozen by the seed-era snapshots in
test_golden.ambr and test_qemu_dialect_snapshots.ambr). "X.Y+libvirt" spells the same QEMU
as libvirt 9.0 does: JSON -device (7.0+), -object (6.0+) and -netdev (7.2+), and -accel
instead of -machine accel= (5.0+); docs/qemu-dialects.md dates each. The cases are corpus
documents that tests/test_qemu_json.py starts in the real QEMU in both 7.2 spellings,
checking that QEMU builds the same machine from either. Update by hand only
(`pytest tests/test_qemu_modern_dialects.py --snapshot-update`) after reading the diff.
"""
import pytest

from qemuopts import options, split_argv
from test_qemu_json import compiled

DIALECTS = ("6.0+libvirt", "7.2", "7.2+libvirt")
CASES = ("q35-debian11-defaults", "pc-generic-ide-raw", "rng-urandom-rate", "tcg-qemu64-pc")


@pytest.mark.parametrize("version", DIALECTS)
@pytest.mark.parametrize("case", CASES)
def test_dialect_output(case, version, snapshot):
    assert snapshot == compiled(case, version)


@pytest.mark.parametrize("case", CASES)
def test_both_spellings_say_the_same(case):
    """Read back (key=value by QEMU's rules, JSON as JSON), every -device, -object and
    -netdev of the two 7.2 spellings holds the same properties with the same values."""
    plain, spelled = compiled(case, "7.2"), compiled(case, "7.2+libvirt")
    for flag in ("-device", "-object", "-netdev"):
        ours = [{k: _text(v) for k, v in o.items()} for o in options(spelled, flag)]
        assert ours == options(plain, flag), flag
    accel = dict(split_argv(spelled))["-accel"]
    assert f"accel={accel}" in dict(split_argv(plain))["-machine"].split(",")


def _text(value):
    """A JSON value as key=value text spells it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
