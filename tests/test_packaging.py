"""The package installs as one import package, `virtc`, with its schemas and templates."""
import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(virtc_wheel):
    return zipfile.ZipFile(virtc_wheel)


def test_only_virtc_lands_in_site_packages(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"virtc"}


def test_wheel_carries_schemas_templates_and_subpackages(wheel):
    names = set(wheel.namelist())
    for needed in ("virtc/schemas/domain.xsd", "virtc/schemas/network.xsd",
                   "virtc/schemas/bundle/domain.xsd", "virtc/schemas/domain/ns-qemu.xsd",
                   "virtc/compiler/ir.py", "virtc/compiler/rules/semantic.py",
                   "virtc/compiler/devices/interface.py", "virtc/backends/qemu/__init__.py",
                   "virtc/backends/xen/__init__.py", "virtc/cli/__init__.py",
                   "virtc/pipeline.py", "virtc/cli/report/sarif.py"):
        assert needed in names, needed
    assert any(n.startswith("virtc/backends/xen/templates/") and n.endswith(".j2") for n in names)


def test_every_source_folder_is_packaged(wheel):
    """A new sub-folder of compiler/ or backends/ must be listed in pyproject's packages."""
    names = set(wheel.namelist())
    for folder, pkg in (("compiler", "virtc/compiler"), ("backends", "virtc/backends"),
                        ("api", "virtc"), ("cli", "virtc/cli")):
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.relative_to(ROOT / folder).as_posix()
            assert f"{pkg}/{rel}" in names, f"{folder}/{rel} is not packaged"


def test_python_dash_m_from_the_repository_root():
    """No source folder is named `virtc`, so from the root the installed package is found
    (a `virtc/` folder there once shadowed it: "No module named virtc.compiler")."""
    proc = subprocess.run([sys.executable, "-m", "virtc", "validate",
                           "examples/kvm-demo2.xml"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert not (ROOT / "virtc").exists()
