"""Issue 12, must-show 4: snapshots per dialect of today's spellings, next to key=value.

A document written for today's libvirt is spelled as libvirt 9.0 spells its QEMU version:
-accel instead of -machine accel= from 5.0, JSON -object from 6.0, JSON -device from 7.0
and JSON -netdev from 7.2 (docs/qemu-dialects.md dates each). A 2007-style document keeps
virtc's key=value spelling (frozen by the seed-era snapshots in test_golden.ambr and
test_qemu_dialect_snapshots.ambr) unless its dialect is named "7.2+libvirt". The 7.2 argvs
here are started in the real QEMU by tests/test_qemu_json.py, which checks that QEMU builds
the same machine from either spelling. Update by hand only
(`pytest tests/test_qemu_modern_dialects.py --snapshot-update`) after reading the diff.
"""
import pytest

from goldens import GOLDEN, compile_case
from qemuopts import options, split_argv
from test_qemu_json import NET_GOLDENS, compiled, keyval

DIALECTS = ("3.1", "5.0", "6.0", "7.2")
CASES = ("q35-debian11-defaults", "pc-generic-ide-raw", "rng-urandom-rate", "tcg-qemu64-pc")


@pytest.mark.parametrize("version", DIALECTS)
@pytest.mark.parametrize("case", CASES)
def test_dialect_output(case, version, snapshot):
    assert snapshot == compiled(case, version)


@pytest.mark.parametrize("version", ("7.2", "7.2+libvirt"))
@pytest.mark.parametrize("case", NET_GOLDENS[:2])
def test_2007_document_output(case, version, snapshot):
    assert snapshot == compile_case(GOLDEN / f"{case}.xml", qemu_version=version)[1]


@pytest.mark.parametrize("case", CASES)
def test_both_spellings_say_the_same(case):
    """Read back (key=value by QEMU's rules, JSON as JSON), every -device, -object and
    -netdev of the two 7.2 spellings holds the same properties with the same values."""
    plain, spelled = keyval(case), compiled(case, "7.2")
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
