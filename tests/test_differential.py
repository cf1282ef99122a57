"""virtc's verdict against libvirt's `virt-xml-validate` on every golden domain.

Disagreements must be exactly the ones documented, with reasons, in
docs/libvirt-differences.md.
"""
import re
import shutil
import subprocess

import pytest

from conftest import GOLDEN, ROOT
from virtc.pipeline import load_file

VALIDATOR = shutil.which("virt-xml-validate")
pytestmark = pytest.mark.skipif(VALIDATOR is None, reason="virt-xml-validate (libvirt-clients) "
                                "is not installed")
DOC = ROOT / "docs" / "libvirt-differences.md"
_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| (?P<libvirt>valid|invalid) \| "
                  r"(?P<virtc>valid|invalid) \| (?P<reason>.+) \|$")


def documented():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            assert len(m["reason"]) > 20, f"{m['file']}: give a reason"
            rows[m["file"]] = (m["libvirt"], m["virtc"])
    return rows


def libvirt_verdict(path):
    proc = subprocess.run([VALIDATOR, str(path), "domain"], capture_output=True, text=True,
                          timeout=60)
    return "valid" if proc.returncode == 0 else "invalid"


def virtc_verdict(path):
    loaded = load_file(str(path.relative_to(ROOT)))
    return "valid" if loaded.ok else "invalid"


def test_every_disagreement_is_documented():
    found = {}
    # tests/golden and tests/golden_xen: every golden domain, QEMU and Xen alike.
    for path in sorted(ROOT.glob("tests/golden*/*.xml")):
        verdicts = (libvirt_verdict(path), virtc_verdict(path))
        if verdicts[0] != verdicts[1]:
            found[str(path.relative_to(ROOT))] = verdicts
    assert found == documented()


def test_both_reject_the_spec_examples_as_printed():
    path = GOLDEN / "bad-spec-qemu-as-printed.xml"
    assert libvirt_verdict(path) == virtc_verdict(path) == "invalid"
