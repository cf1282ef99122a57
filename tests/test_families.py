"""The device families (compiler/devices/): found by tag, one module for several tags, and
each element written back from its mapping lowers to the same node."""
from __future__ import annotations

import pathlib

import pytest

from virtc.compiler.devices import all_families, family, family_name, tags
from virtc.compiler.devices.chardev import Console, Parallel, Serial
from virtc.compiler.devices.xmlmap import write
from ir_facts import facts, lowered_families

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIGRATED = ("disk", "interface", "graphics", "input", "serial", "parallel", "console",
            "sound", "hostdev", "channel")
DOCS = sorted([*(ROOT / "tests" / "golden").glob("*.xml"),
               *(ROOT / "tests" / "corpus" / "dumpxml").glob("*.xml")])


def test_one_module_serves_the_three_character_devices():
    assert set(MIGRATED) <= tags()
    chardev = family("serial")
    assert family("parallel") is chardev and family("console") is chardev
    assert chardev.TAGS == ("serial", "parallel", "console")
    assert [family_name(n) for n in (Serial(), Parallel(), Console())] == ["chardev"] * 3
    modules = all_families()
    assert len(modules) == len(set(modules)) and chardev in modules




def _wrap(element: str, dtype: str = "kvm") -> bytes:
    return (f"<domain type='{dtype}'><name>w</name><memory>65536</memory>"
            f"<os><type>hvm</type></os><devices>{element}</devices></domain>").encode()


@pytest.mark.parametrize("path", DOCS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_family_element_written_back_lowers_to_the_same_node(path):
    from lxml import etree

    for node in lowered_families(path.read_bytes()):
        if node.TAG not in MIGRATED:
            continue
        text = etree.tostring(write(node), encoding="unicode")
        again = [n for n in lowered_families(_wrap(text)) if type(n) is type(node)]
        assert len(again) == 1, text
        assert facts(again[0]) == facts(node), text
