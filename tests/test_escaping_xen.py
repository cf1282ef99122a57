"""xm escaping, proven by reading the config back with Python's `ast`.

An xm config is executed as Python, so every statement must be `NAME = literal` and every
literal must read back to exactly the value in the IR. Hypothesis generates whole Xen
domains as XML documents (built with lxml, so XML escaping is covered too) with arbitrary
text in every free-text field. Entry strings (disk, vif, vfb) are split the way xm splits
them (on ',' then on the first '='), and must give exactly the expected fields: a value
can't add a field. tests/test_xen_backend.py holds the per-value round-trip test; this
file adds whole documents.
"""
from __future__ import annotations

import ast
from typing import Any, Dict, Optional

from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from virtc.pipeline import compile_domain, load_bytes
from virtc.compiler.diagnostics import Diagnostics, Severity

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _xml_char(c: str) -> bool:
    o = ord(c)
    return c in "\t\n\r" or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


RISKY = st.sampled_from(list("\"'\\\n\r\t,=:#; -()[]{}é€😀\u2028\x85") +
                        ['"""', "'''", "\\n", '" + __import__("os").system("id") + "',
                         "\\x00", "%s", "{0}"])
CHARS = st.one_of(RISKY, st.characters(blacklist_categories=("Cs",)).filter(_xml_char))
TEXT = st.lists(CHARS, min_size=1, max_size=12).map("".join)
FREE = st.one_of(TEXT, TEXT.map(lambda s: "-" + s))


def read_xm(text: str) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for stmt in ast.parse(text).body:
        assert isinstance(stmt, ast.Assign), ast.dump(stmt)
        assert len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        assert stmt.targets[0].id not in values
        values[stmt.targets[0].id] = ast.literal_eval(stmt.value)
    return values


def entry(text: str) -> Dict[str, str]:
    """xm's reading of a vif/vfb entry: fields split on ',', each on its first '='."""
    fields = [f.split("=", 1) for f in text.split(",")]
    assert all(len(f) == 2 for f in fields), text
    keys = [k for k, _ in fields]
    assert len(keys) == len(set(keys)), f"a field appears twice: {text!r}"
    return dict(fields)


def _sub(parent, tag: str, text: Optional[str] = None, **attrs: Optional[str]):
    el = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    el.text = text
    return el


def pv_domain(f: Dict[str, str]) -> bytes:
    root = etree.Element("domain", type="xen")
    _sub(root, "name", f["name"])
    _sub(root, "memory", "131072")
    os_el = _sub(root, "os")
    _sub(os_el, "type", "linux")
    for tag in ("kernel", "initrd", "cmdline"):
        _sub(os_el, tag, f[tag])
    devs = _sub(root, "devices")
    disk = _sub(devs, "disk", type="file", device="disk")
    _sub(disk, "source", file=f["disk"])
    _sub(disk, "target", dev="xvda")
    bridge = _sub(devs, "interface", type="bridge")
    _sub(bridge, "source", bridge=f["bridge"])
    _sub(bridge, "script", path=f["script"])
    _sub(bridge, "target", dev=f["vifname"])
    _sub(devs, "graphics", type="vnc", port="5901", listen=f["listen"], keymap=f["keymap"])
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


FIELDS = ("name", "kernel", "initrd", "cmdline", "disk", "bridge", "script", "vifname",
          "listen", "keymap")


def compile_xm(xml: bytes) -> Optional[tuple]:
    loaded = load_bytes(xml, "pv.xml")
    if not loaded.ok:
        assert any(d.severity is Severity.ERROR for d in loaded.diagnostics)
        return None
    diags = Diagnostics()
    text = compile_domain(loaded.node, "xen-xm", diags)
    if text is None:
        assert diags.has_errors
        return None
    return loaded.node, text


@SETTINGS
@given(st.fixed_dictionaries({k: FREE for k in FIELDS}))
def test_whole_pv_domain_reads_back(fields):
    out = compile_xm(pv_domain(fields))
    if out is None:
        return
    domain, text = out
    xm = read_xm(text)
    os_ = domain.os
    assert xm["name"] == domain.name
    assert xm["kernel"] == os_.kernel
    if os_.initrd:
        assert xm["ramdisk"] == os_.initrd
    if os_.cmdline:
        assert xm["extra"] == os_.cmdline
    # Python 2 refuses raw control characters and NUL in source; only escapes may appear.
    assert not any(ord(c) < 0x20 and c != "\n" or c == "\x7f" for c in text)

    disk = domain.devices.disks[0]
    assert xm["disk"] == [f"file:{disk.path},xvda,w"]
    assert xm["disk"][0].split(",") == [f"file:{disk.path}", "xvda", "w"]

    net = domain.devices.interfaces[0]
    vif = entry(xm["vif"][0])
    expected = {"bridge": net.bridge, "script": net.script_path}
    if net.mac_address:
        expected["mac"] = net.mac_address
    if net.target_dev and not net.target_dev.startswith("vif"):
        expected["vifname"] = net.target_dev
    assert vif == expected

    gfx = domain.devices.graphics[0]
    vfb = entry(xm["vfb"][0])
    assert {k: vfb[k] for k in ("vnclisten", "keymap")} == {"vnclisten": gfx.listen,
                                                           "keymap": gfx.keymap}
    assert set(vfb) == {"type", "vncunused", "vncdisplay", "vnclisten", "keymap"}


def test_the_property_reaches_the_backend():
    nasty = '" + __import__("os").system("id") + "\n\\'
    fields = {k: nasty for k in FIELDS}
    for k in ("disk", "bridge", "script", "vifname", "listen", "keymap"):
        fields[k] = "a=b" + nasty.replace("\n", " ")
    domain, text = compile_xm(pv_domain(fields))
    xm = read_xm(text)
    assert xm["kernel"] == nasty and xm["extra"] == nasty
    assert entry(xm["vif"][0])["script"] == fields["script"]


def test_a_comma_in_an_entry_field_is_refused():
    fields = {k: "x" for k in FIELDS}
    fields["bridge"] = "br0,script=/tmp/evil"
    loaded = load_bytes(pv_domain(fields), "pv.xml")
    diags = Diagnostics()
    assert compile_domain(loaded.node, "xen-xm", diags) is None
    assert [d.code for d in diags if d.severity is Severity.ERROR] == ["XEN406"]
