"""QEMU escaping, proven by parsing the output back.

Hypothesis writes arbitrary text (commas, `=`, quotes, newlines, spaces, a leading `-`,
non-ASCII) into every free-text field of a domain, as an XML document built with lxml, so
XML escaping is exercised too. Each document either fails to compile with a diagnostic, or
its argv, read back with tests/qemuopts.py (QEMU's own splitting rules), holds exactly the
values of the IR: the same keys in the same order, no extra key or option, and raw
arguments (-kernel, -initrd, -append, -k …) verbatim. `--format shell` must split back
into the JSON argv.

HYPOTHESIS_PROFILE=manual runs many more examples (see docs/fuzzing.md).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

from hypothesis import (HealthCheck, assume, currently_in_test_context, event, given,
                        settings, strategies as st)
from lxml import etree

from qemu_harness import needs_qemu, run_paused
from qemuopts import IMPLIED, RAW, parse_opts, split_argv
from virtc.pipeline import compile_domain, load_bytes
from virtc.backends.qemu import QemuContext, get_dialect
from virtc.backends.qemu.argv import build_options
from virtc.backends.qemu.opts import Opts, Raw
from virtc.cli import main
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostics, Severity
from virtc.compiler.networks import network_table

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

VERSION = "7.2"

# XML 1.0 can carry these (no other C0 controls, no surrogates, no U+FFFE/U+FFFF).
def _xml_char(c: str) -> bool:
    o = ord(c)
    return c in "\t\n\r" or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


RISKY = st.sampled_from(list(",=,\"' \n\t\r-:@[]\\$`;|&<>#%?é€😀\u2028") + [",,", "=on",
                                                                         ",id=x", ",,,", "help"])
CHARS = st.one_of(RISKY, st.characters(blacklist_categories=("Cs",)).filter(_xml_char))
TEXT = st.lists(CHARS, min_size=1, max_size=12).map("".join)
FREE = st.one_of(TEXT, TEXT.map(lambda s: "-" + s))


# ---------------------------------------------------------------- documents

def _sub(parent, tag: str, text: Optional[str] = None, **attrs: str):
    el = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    el.text = text
    return el


def domain_xml(name: str = "guest", os_: Optional[Dict[str, str]] = None,
               devices: Sequence[Tuple] = (), machine: str = "pc") -> bytes:
    """A kvm domain; `devices` holds (tag, attrs, children) with children the same shape."""
    root = etree.Element("domain", type="kvm")
    _sub(root, "name", name)
    _sub(root, "memory", "65536")
    os_el = _sub(root, "os")
    _sub(os_el, "type", "hvm", arch="x86_64", machine=machine)
    for tag, value in (os_ or {}).items():
        _sub(os_el, tag, value)
    devs = _sub(root, "devices")
    for spec in devices:
        _build(devs, spec)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _build(parent, spec) -> None:
    tag, attrs, children = spec
    el = _sub(parent, tag, **attrs)
    for child in children:
        _build(el, child)


# ---------------------------------------------------------------- compile and read back

class Compiled:
    def __init__(self, domain: ir.Domain, argv: List[str], options):
        self.domain, self.argv, self.options = domain, argv, options

    def values(self, flag: str) -> List[str]:
        return [v for f, v in split_argv(self.argv) if f == flag and v is not None]

    def opts(self, flag: str) -> List[Dict[str, str]]:
        return [dict(parse_opts(v, IMPLIED[flag])) for v in self.values(flag)]


def compile_document(xml: bytes) -> Optional[Compiled]:
    """None when virtc refused the document with an error diagnostic (never an exception)."""
    loaded = load_bytes(xml, "prop.xml")
    if not loaded.ok:
        errors = sorted({d.code for d in loaded.diagnostics if d.severity is Severity.ERROR})
        assert errors
        _event(f"refused: {' '.join(errors)}")
        return None
    diags = Diagnostics()
    argv = compile_domain(loaded.node, "qemu", diags, qemu_version=VERSION)
    if argv is None:
        errors = sorted({d.code for d in diags if d.severity is Severity.ERROR})
        assert errors and all(code.startswith(("QEMU", "SEM")) for code in errors)
        _event(f"refused: {' '.join(errors)}")
        return None
    _event("compiled")
    ctx = QemuContext(Diagnostics(), get_dialect(VERSION), network_table())
    compiled = Compiled(loaded.node, list(argv), build_options(loaded.node, ctx))
    assert_reads_back(compiled)
    assert_cli_formats_agree(xml, compiled.argv)
    return compiled


def _event(what: str) -> None:
    # How many examples get through is the measure of these tests: see
    # pytest --hypothesis-show-statistics.
    if currently_in_test_context():
        event(what)


def _expected(flag: str, value) -> List[Tuple[str, str]]:
    pairs = [] if value.head is None else [(IMPLIED[flag], value.head)]
    for key, v in value.props:
        pairs.append((key, ("on" if v else "off") if isinstance(v, bool) else str(v)))
    return pairs


def assert_reads_back(c: Compiled) -> None:
    """Every option parses back to exactly its structured form: no injected key or word."""
    words = split_argv(c.argv)
    assert [f for f, _ in words] == [o.flag for o in c.options], "an extra or missing argv word"
    for (flag, text), option in zip(words, c.options):
        if option.value is None:
            assert text is None
        elif isinstance(option.value, Raw):
            assert text == option.value.text
            if flag not in RAW:   # QEMU splits it after all (-m 64K, -smp 2): one value only
                assert flag in IMPLIED and parse_opts(text, IMPLIED[flag]) == [
                    (IMPLIED[flag], text)], (flag, text)
        elif flag in RAW:   # -vga std: QEMU takes the word whole, so a bare head only
            assert option.value.props == () and text == option.value.head, (flag, text)
        else:
            assert isinstance(option.value, Opts)
            assert flag in IMPLIED, f"{flag} is not a key=value option"
            assert option.value.head is None or IMPLIED[flag], f"{flag} has no implied key"
            assert parse_opts(text, IMPLIED[flag]) == _expected(flag, option.value), (flag, text)


def assert_cli_formats_agree(xml: bytes, argv: List[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "d.xml")
        with open(path, "wb") as fh:
            fh.write(xml)
        out = {}
        for fmt in ("json", "shell"):
            buf, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
                rc = main(["compile", path, "--target", "qemu", "--qemu-version", VERSION,
                           "--format", fmt])
            assert rc == 0, err.getvalue()
            out[fmt] = buf.getvalue()
    assert json.loads(out["json"]) == argv
    assert shlex.split(out["shell"]) == argv


def _same_text(ir_value: Optional[str], given: str) -> None:
    # Lowering strips white space around element text, never anything else.
    assert ir_value in (given, given.strip()), (ir_value, given)


# ---------------------------------------------------------------- properties

@SETTINGS
@given(name=FREE, kernel=FREE, initrd=FREE, cmdline=FREE, machine=FREE)
def test_name_kernel_initrd_cmdline(name, kernel, initrd, cmdline, machine):
    xml = domain_xml(name, {"kernel": kernel, "initrd": initrd, "cmdline": cmdline},
                     machine=machine)
    c = compile_document(xml)
    if c is None:
        return
    os_ = c.domain.os
    for ir_value, wanted in ((c.domain.name, name), (os_.kernel, kernel), (os_.initrd, initrd),
                             (os_.cmdline, cmdline)):
        _same_text(ir_value, wanted)
    assert c.opts("-name") == [{"guest": c.domain.name}]
    assert c.opts("-machine")[0]["type"] == machine
    # The QEMU backend trims white space around the command line (as libvirt does).
    for flag, value in (("-kernel", os_.kernel), ("-initrd", os_.initrd),
                        ("-append", (os_.cmdline or "").strip())):
        assert c.values(flag) == ([value] if value else []), flag


@SETTINGS
@given(disk=FREE, cdrom=FREE, usb=FREE, scsi=FREE)
def test_disk_paths(disk, cdrom, usb, scsi):
    def d(device, path, dev, bus=None):
        return ("disk", {"type": "file", "device": device},
                [("source", {"file": path}, []), ("target", {"dev": dev, "bus": bus}, [])])
    xml = domain_xml(devices=[d("disk", disk, "vda"), d("cdrom", cdrom, "hdc"),
                              d("disk", usb, "sdb", "usb"), d("disk", scsi, "sda")])
    c = compile_document(xml)
    if c is None:
        return
    for got, wanted in zip(c.domain.devices.disks, (disk, cdrom, usb, scsi)):
        assert got.path == wanted
    assert sorted(o["file"] for o in c.opts("-drive")) == sorted((disk, cdrom, usb, scsi))


@SETTINGS
@given(script=FREE, tap=FREE, bridge=FREE, model=st.one_of(st.sampled_from(["virtio", "e1000"]),
                                                           FREE))
def test_interface_fields(script, tap, bridge, model):
    xml = domain_xml(devices=[
        ("interface", {"type": "ethernet"}, [("target", {"dev": tap}, []),
                                             ("script", {"path": script}, []),
                                             ("model", {"type": model}, [])]),
        ("interface", {"type": "bridge"}, [("source", {"bridge": bridge}, [])]),
    ])
    c = compile_document(xml)
    if c is None:
        return
    tap_if, bridge_if = c.domain.devices.interfaces
    assert (tap_if.target_dev, tap_if.script_path, bridge_if.bridge) == (tap, script, bridge)
    backends = c.opts("-netdev")
    assert [b["type"] for b in backends] == ["tap", "bridge"]
    assert (backends[0]["ifname"], backends[0]["script"], backends[1]["br"]) == (
        tap, script, bridge)
    nic = c.opts("-device")[0]
    assert (nic["driver"], nic["netdev"]) == (
        {"virtio": "virtio-net-pci"}.get(model, model), "net0")


@SETTINGS
@given(listen=FREE, keymap=FREE)
def test_vnc_listen_and_keymap(listen, keymap):
    xml = domain_xml(devices=[("graphics", {"type": "vnc", "port": "5901", "listen": listen,
                                            "keymap": keymap}, [])])
    c = compile_document(xml)
    if c is None:
        return
    gfx = c.domain.devices.graphics[0]
    assert (gfx.listen, gfx.keymap) == (listen, keymap)
    host = f"[{listen}]" if ":" in listen else listen
    assert c.opts("-vnc") == [{"vnc": f"{host}:1"}]
    assert c.values("-k") == [keymap]


@SETTINGS
@given(file_path=FREE, sock=FREE, tcp_host=FREE, udp_host=FREE)
def test_chardev_paths_and_hosts(file_path, sock, tcp_host, udp_host):
    xml = domain_xml(devices=[
        ("serial", {"type": "file"}, [("source", {"path": file_path}, [])]),
        ("serial", {"type": "unix"}, [("source", {"mode": "bind", "path": sock}, [])]),
        ("serial", {"type": "tcp"}, [("source", {"mode": "connect", "host": tcp_host,
                                                 "service": "4555"}, [])]),
        ("parallel", {"type": "udp"}, [("source", {"mode": "connect", "host": udp_host,
                                                   "service": "4556"}, [])]),
    ])
    c = compile_document(xml)
    if c is None:
        return
    chardevs = c.opts("-chardev")
    assert [(d["backend"], d.get("path") or d.get("host")) for d in chardevs] == [
        ("file", file_path), ("socket", sock), ("socket", tcp_host), ("udp", udp_host)]


def test_the_properties_reach_the_backend():
    """Awkward but legal values must compile, or the properties above prove nothing."""
    nasty = "-a,b=c,,d 'é\"\n"
    c = compile_document(domain_xml("x,guest=evil", {"kernel": nasty, "cmdline": nasty}, [
        ("disk", {"type": "file", "device": "disk"},
         [("source", {"file": "/tmp/a,if=none,file=/etc/shadow"}, []),
          ("target", {"dev": "vda"}, [])])]))
    assert c is not None
    assert c.opts("-drive")[0]["file"] == "/tmp/a,if=none,file=/etc/shadow"
    assert c.values("-append") == [nasty.strip()] and c.values("-kernel") == [nasty]


def test_values_qemu_cannot_carry_are_refused_with_a_diagnostic():
    xml = domain_xml(devices=[("disk", {"type": "file", "device": "disk"},
                               [("source", {"file": "/tmp/a\nb"}, []),
                                ("target", {"dev": "vda"}, [])])])
    loaded = load_bytes(xml, "nl.xml")
    diags = Diagnostics()
    assert compile_domain(loaded.node, "qemu", diags, qemu_version=VERSION) is None
    assert [d.code for d in diags if d.severity is Severity.ERROR] == ["QEMU302"]


# ---------------------------------------------------------------- real QEMU

# Awkward names that a file system accepts (no NUL, no slash inside a name, no newline:
# QEMU302 refuses those). The directory itself is fixed and simple.
FILE_NAME = st.lists(st.one_of(st.sampled_from(list(",=\"' -:@[]\\$;é€😀") + [",,", ",if=none"]),
                               st.characters(min_codepoint=0x21, max_codepoint=0x7e)),
                     min_size=1, max_size=16).map("".join).filter(
    lambda s: "/" not in s and s not in (".", ".."))


@needs_qemu
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(first=FILE_NAME, second=FILE_NAME)
def test_qemu_opens_awkward_file_names(first, second):
    assume(first != second)
    with tempfile.TemporaryDirectory(prefix="virtc-names-") as tmp:
        paths = [os.path.join(tmp, n) for n in (first, second)]
        for p in paths:
            with open(p, "wb") as fh:
                fh.truncate(1024 * 1024)
        xml = domain_xml("names", devices=[
            ("disk", {"type": "file", "device": "disk"},
             [("source", {"file": paths[0]}, []), ("target", {"dev": "vda"}, [])]),
            ("disk", {"type": "file", "device": "cdrom"},
             [("source", {"file": paths[1]}, []), ("target", {"dev": "hdc"}, [])]),
        ])
        c = compile_document(xml)
        assert c is not None
        result = run_paused(c.argv)
        assert result.started, result.stderr
        assert sorted(result.block_files().values()) == sorted(paths)
