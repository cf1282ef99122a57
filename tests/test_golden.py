"""Golden cases: one snapshot per target each case compiles for, and one of its diagnostics.

Snapshots are updated only by hand (`pytest --snapshot-update`) after the output has been
checked: QEMU argvs by the real-QEMU tests, xm files by parsing them back with `ast`.
"""
import pytest

from goldens import CASES, compile_case


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden(path, snapshot):
    domain, output, diagnostics = compile_case(path)
    assert snapshot(name="diagnostics") == diagnostics
    if path.stem.startswith("bad-"):
        assert output is None, "a bad- case must fail"
        assert any(": error: " in d for d in diagnostics)
    else:
        assert output is not None, diagnostics
        assert not any(": error: " in d for d in diagnostics)
        target = "qemu" if isinstance(output, list) else "xen-xm"
        assert snapshot(name=target) == output
