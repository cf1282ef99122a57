"""Golden cases: one snapshot per target each case compiles for, and one of its diagnostics.

Snapshots are updated only by hand (`pytest --snapshot-update`) after the output has been
checked: QEMU argvs by the real-QEMU tests, xm files by parsing them back with `ast`.
"""
import pytest

from goldens import CASES, compile_case, xen_cases


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


def xm_literals(text):
    """xm is executed as Python: each statement must be `NAME = literal`, nothing else."""
    import ast

    values = {}
    for stmt in ast.parse(text).body:
        assert isinstance(stmt, ast.Assign), ast.dump(stmt)
        (target,) = stmt.targets
        assert isinstance(target, ast.Name)
        values[target.id] = ast.literal_eval(stmt.value)
    return values


XEN_CASES = xen_cases()


@pytest.mark.parametrize("path", XEN_CASES, ids=lambda p: p.stem)
def test_golden_xm_parses_back_as_literals(path):
    domain, text, _ = compile_case(path)
    values = xm_literals(text)
    assert values["name"] == domain.name
    assert values["maxmem"] == -(-domain.memory_kib // 1024)
    assert values["memory"] == -(-domain.balloon_kib // 1024)
    assert len(values.get("disk", [])) == sum(1 for d in domain.devices.disks
                                              if d.device.value != "floppy")
    assert len(values.get("vif", [])) == len(domain.devices.interfaces)
    assert ("builder" in values) == domain.os.is_hvm


def test_every_xen_golden_case_is_checked():
    assert len(XEN_CASES) >= 6, [p.stem for p in XEN_CASES]
