"""Import (xm / xl config → IR → domain XML) and the round-trip property.

For every golden Xen domain: XML → config → XML → config reaches a fixed point after the
first trip, with equal IR (spans aside). Hypothesis does the same over generated domains.
"""
from __future__ import annotations

import io
import pathlib
from typing import Any, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from virtc.pipeline import compile_domain, load_bytes
from virtc.backends.domainxml import escape_attr, escape_text, format_domain
from virtc.backends.xen import import_config
from virtc.compiler.guest_os import Loader
from virtc.compiler import ir
from virtc.compiler.devices import chardev as ch, disk as dk, graphics as gr, input as inp
from virtc.compiler.devices import interface as nic
from qemu_domains import ir_disk, ir_interface
from virtc.compiler.diagnostics import Diagnostics, Span
from virtc.cli.xen import run_import
from virtc.compiler.node import fields, is_node, replace

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGETS = ("xen-xm", "xen-xl")


def apply_defaults(domain: ir.Domain) -> ir.Domain:
    from virtc.compiler.postparse import apply

    return apply(domain)


def strip_spans(node: Any) -> Any:
    """The node with every Span replaced by the empty one, recursively."""
    if isinstance(node, tuple):
        return tuple(strip_spans(n) for n in node)
    if is_node(node) and not isinstance(node, type):
        changes = {}
        for f in fields(node):
            value = getattr(node, f)
            changes[f] = ir.NOWHERE if isinstance(value, Span) else strip_spans(value)
        return replace(node, **changes)
    return node


def compile_text(domain: ir.Domain, target: str) -> Tuple[Optional[str], Diagnostics]:
    diags = Diagnostics()
    text = compile_domain(domain, target, diags)
    return (None if diags.has_errors else text), diags


def import_text(text: str, target: str) -> ir.Domain:
    diags = Diagnostics()
    domain = import_config(text, "in.cfg", target, diags)
    assert domain is not None and not diags.has_errors, [d.message for d in diags]
    return domain


def reload(domain: ir.Domain) -> Tuple[str, ir.Domain]:
    diags = Diagnostics()
    xml = format_domain(domain, diags)
    assert xml is not None, [d.message for d in diags]
    loaded = load_bytes(xml.encode("utf-8"), "imported.xml")
    errors = [f"{d.code} {d.message}" for d in loaded.diagnostics if d.severity.value == "error"]
    assert loaded.ok, (errors, xml)
    return xml, loaded.node


def assert_fixed_point(domain: ir.Domain, target: str) -> None:
    text1, diags = compile_text(domain, target)
    assert text1 is not None, [d.message for d in diags]
    ir1 = import_text(text1, target)
    xml1, ir2 = reload(ir1)
    # The reloaded document has had post-parse's defaults (aliases, port numbers) applied
    # once, as every loaded document does; the importer's IR gets them the same way.
    assert strip_spans(ir2) == strip_spans(apply_defaults(ir1))
    text2, _ = compile_text(ir2, target)
    assert text2 == text1
    xml2, _ = reload(import_text(text2, target))
    assert xml2 == xml1


def golden_domains() -> List[pathlib.Path]:
    paths = sorted((ROOT / "tests" / "golden_xen").glob("xen-*.xml"))
    paths += sorted((ROOT / "tests" / "golden").glob("*xen*.xml"))
    return [p for p in paths if not p.stem.startswith("bad-")]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", golden_domains(), ids=lambda p: p.stem)
def test_golden_domains_reach_a_fixed_point(path, target):
    loaded = load_bytes(path.read_bytes(), str(path))
    assert loaded.ok
    text, diags = compile_text(loaded.node, target)
    if text is None:
        # xl has no floppy drives: that, and only that, may keep a golden case out of xl.
        errors = {d.code for d in diags if d.severity.value == "error"}
        assert target == "xen-xl" and errors == {"XEN411"}, [d.message for d in diags]
        assert any(d.device.value == "floppy" for d in loaded.node.devices.disks)
        return
    assert_fixed_point(loaded.node, target)


# ---------------------------------------------------------------- hypothesis

PATH_CHARS = st.sampled_from("abcxyz019_-./ ")
SAFE_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters=",")
RISKY_TEXT = st.text(st.one_of(st.sampled_from('"\'\\\n\té€😀 <&>'), SAFE_CHARS), min_size=1,
                     max_size=16).filter(lambda s: s.strip() == s)
PATHS = st.text(PATH_CHARS, min_size=1, max_size=10).map(lambda s: "/" + s.strip())
MACS = st.lists(st.integers(0, 255), min_size=3, max_size=3).map(
    lambda b: "00:16:3e:" + ":".join(f"{x:02x}" for x in b))


@st.composite
def disks(draw, hvm: bool, index: int) -> dk.Disk:
    prefix = "hd" if hvm else "xvd"
    dev = prefix + "abcdefgh"[index]
    device = draw(st.sampled_from([dk.DiskDevice.DISK, dk.DiskDevice.CDROM]))
    dtype = draw(st.sampled_from([dk.DiskType.FILE, dk.DiskType.BLOCK]))
    driver = draw(st.sampled_from([(None, None), ("tap", "aio"), ("tap", "qcow2")]))
    if dtype is dk.DiskType.BLOCK:
        driver = (None, None)
    bus = dk.DiskBus.IDE if hvm else dk.DiskBus.XEN
    return ir_disk(draw(PATHS), dev, bus, type=dtype, device=device,
                   readonly=draw(st.booleans()), driver_name=driver[0], driver_type=driver[1])


@st.composite
def interfaces(draw):
    bridged = draw(st.booleans())
    net = ir_interface(ir.NetType.BRIDGE if bridged else ir.NetType.ETHERNET,
                       mac=draw(st.none() | MACS),
                       bridge=draw(st.sampled_from(["xenbr0", "br1"])) if bridged else None,
                       script=draw(st.none() | st.just("vif-route")) if not bridged else None,
                       model=draw(st.none() | st.sampled_from(["e1000", "netfront"])))
    ips = draw(st.lists(st.sampled_from(["192.0.2.7", "10.1.1.1", "2001:db8::1"]),
                        unique=True, max_size=3))
    rate = draw(st.none() | st.integers(1, 10 ** 7))
    tags = draw(st.lists(st.integers(1, 4094), unique=True, max_size=3)) if bridged else []
    return replace(
        net, ips=tuple(nic.InterfaceIp(a) for a in ips),
        bandwidth=nic.InterfaceBandwidth(outbound=nic.Outbound(average=rate))
        if rate else None,
        # An Open vSwitch port with its VLAN tag or trunk (bridge=br.TAG / br:TAG:TAG).
        vlan=nic.InterfaceVlan(trunk=True if len(tags) > 1 else None,
                               tags=tuple(nic.VlanTag(t) for t in tags)) if tags else None,
        virtualport=nic.InterfaceVirtualPort("openvswitch") if tags else None)


@st.composite
def chardevs(draw, kind: ch.CharKind, port: int) -> ch.CharDevice:
    ctype = draw(st.sampled_from([ch.CharType.PTY, ch.CharType.FILE, ch.CharType.TCP,
                                  ch.CharType.UNIX, ch.CharType.NULL]))
    kw: dict = {}
    if ctype in (ch.CharType.FILE, ch.CharType.UNIX):
        kw["path"] = draw(PATHS)
    if ctype is ch.CharType.TCP:
        kw.update(host="127.0.0.1", service=str(draw(st.integers(1024, 65535))),
                  protocol=draw(st.sampled_from(list(ch.CharProtocol))))
    if ctype in (ch.CharType.TCP, ch.CharType.UNIX):
        kw["mode"] = draw(st.sampled_from(list(ch.CharMode)))
    return ch.make(kind, ctype, target_port=port, **kw)


@st.composite
def xen_domains(draw) -> ir.Domain:
    hvm = draw(st.booleans())
    memory = draw(st.integers(16, 4096)) * 1024
    graphics = draw(st.lists(st.sampled_from([
        gr.Graphics(gr.GraphicsType.SDL),
        gr.Graphics(gr.GraphicsType.VNC, port=-1, autoport=True, listen="127.0.0.1"),
        gr.Graphics(gr.GraphicsType.VNC, port=5901, passwd="pw\"\\", keymap="de")]),
        max_size=1))
    if hvm:
        os = ir.Os(ir.OsType.HVM, loader=Loader(path="/usr/lib/xen/boot/hvmloader"), boot=tuple(
            ir.Boot(d) for d in draw(st.lists(st.sampled_from(list(ir.BootDev)), min_size=1,
                                              max_size=3))))
    else:
        os = ir.Os(ir.OsType.LINUX, kernel=draw(PATHS), initrd=draw(st.none() | PATHS),
                   cmdline=draw(st.none() | RISKY_TEXT), root=draw(st.none() | RISKY_TEXT))
    n_disks = draw(st.integers(0, 3))
    serials = tuple(draw(chardevs(ch.CharKind.SERIAL, p)) for p in
                    draw(st.lists(st.integers(0, 2), unique=True, max_size=2))) if hvm else ()
    devices = ir.Devices(
        emulator="/usr/lib/xen/bin/qemu-dm" if hvm else None,
        families=tuple(draw(disks(hvm, i)) for i in range(n_disks)) + tuple(
            draw(st.lists(interfaces(), max_size=2,
                          unique_by=lambda i: i.mac_address or object())))
        + tuple(graphics)
        + ((inp.Input(inp.InputType.TABLET, inp.InputBus.USB),) if hvm and draw(
            st.booleans()) else ())
        + serials,
    )
    crash = draw(st.sampled_from(list(ir.LifecycleAction)))
    return ir.Domain(
        ir.DomainType.XEN, draw(RISKY_TEXT), memory,
        current_memory_kib=draw(st.none() | st.just(memory // 2)),
        vcpus=draw(st.integers(1, 8)), os=os,
        features=draw(xen_features(hvm)),
        clock=draw(xen_clocks(hvm)),
        on_poweroff=draw(st.sampled_from(list(ir.LifecycleAction))),
        on_crash=crash,
        # coredump-destroy and coredump-restart are the only dumping actions.
        on_crash_dump=crash in (ir.LifecycleAction.DESTROY, ir.LifecycleAction.RESTART)
        and draw(st.booleans()),
        devices=devices)


@st.composite
def xen_features(draw, hvm: bool) -> ir.Features:
    """The <features> Xen has keys for: the 2007 flags, hap, viridian (HVM), e820_host (PV)
    and passthrough."""
    from virtc.compiler.platform import features as feat

    xen = feat.XenFeatures(
        e820_host=None if hvm else draw(st.none() | st.just(feat.State(True))),
        passthrough=draw(st.none() | st.sampled_from([
            feat.Passthrough("on"), feat.Passthrough("off"),
            feat.Passthrough("on", feat.XenPassthroughMode.SYNC_PT),
            feat.Passthrough("on", feat.XenPassthroughMode.SHARE_PT)])))
    return ir.Features(
        pae=hvm and draw(st.booleans()), acpi=hvm, apic=False,
        hap=draw(st.none() | st.just(feat.State(False))) if hvm else None,
        viridian=draw(st.none() | st.just(feat.State(True))) if hvm else None,
        xen=xen if (xen.e820_host or xen.passthrough) else None)


@st.composite
def xen_clocks(draw, hvm: bool) -> ir.Clock:
    """utc or localtime; for HVM also variable with a basis and an adjustment, and the
    timers Xen has keys for (tsc's mode; hpet on HVM)."""
    from virtc.compiler.platform import clock as clk

    timers = []
    if draw(st.booleans()):
        timers.append(clk.Timer(clk.TimerName.TSC, mode=draw(st.sampled_from([
            clk.TscMode.AUTO, clk.TscMode.NATIVE, clk.TscMode.EMULATE, clk.TscMode.PARAVIRT]))))
    if hvm and draw(st.booleans()):
        timers.append(clk.Timer(clk.TimerName.HPET, present=draw(st.booleans())))
    offsets = [clk.ClockOffset.UTC, clk.ClockOffset.LOCALTIME] + (
        [clk.ClockOffset.VARIABLE] if hvm else [])
    offset = draw(st.sampled_from(offsets))
    if offset is clk.ClockOffset.VARIABLE:
        return ir.Clock(offset, adjustment=draw(st.integers(-10 ** 6, 10 ** 6)),
                        basis=draw(st.sampled_from(list(clk.ClockBasis))), timers=tuple(timers))
    return ir.Clock(offset, timers=tuple(timers))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(domain=xen_domains(), target=st.sampled_from(TARGETS))
def test_generated_domains_reach_a_fixed_point(domain, target):
    assert_fixed_point(domain, target)


# ---------------------------------------------------------------- reading configs

XM_CONFIG = '''# -*- coding: utf-8 -*-
name = "imported"
uuid = "C7A5FDB2-CDAF-9455-926A-D65C16DB1809"
memory = 256
maxmem = 512
vcpus = 2
builder = "hvm"
kernel = "/usr/lib/xen/boot/hvmloader"
boot = "dc"
pae = 1
acpi = True
apic = 0
localtime = "1"
on_crash = "preserve"
device_model = "/usr/lib/xen/bin/qemu-dm"
vnc = 1
vncdisplay = 3
vncunused = 0
vnclisten = "127.0.0.1"
usb = 1
usbdevice = "tablet"
cdrom = "/isos/install.iso"
fda = "/img/floppy.img"
disk = [ "phy:/dev/vg/root,ioemu:hda,w",
         "tap:qcow2:/img/data.qcow2,hdb,r" ]
vif = [ "mac=00:16:3E:AA:BB:CC,bridge=xenbr0,script=vif-bridge,type=ioemu,rate=10Mb/s" ]
serial = [ "pty", "none", "tcp:127.0.0.1:4555,server,nowait" ]
parallel = "file:/var/log/lp"
shadow_memory = 8
'''


def test_xm_config_imports_every_key():
    diags = Diagnostics()
    d = import_config(XM_CONFIG, "g.cfg", "xen-xm", diags)
    assert d is not None
    assert (d.name, d.uuid, d.memory_kib, d.current_memory_kib, d.vcpus) == (
        "imported", "c7a5fdb2-cdaf-9455-926a-d65c16db1809", 512 * 1024, 256 * 1024, 2)
    assert d.os.type is ir.OsType.HVM and d.os.loader_path == "/usr/lib/xen/boot/hvmloader"
    assert [b.dev for b in d.os.boot] == [ir.BootDev.CDROM, ir.BootDev.HD]
    assert (d.features.pae, d.features.acpi, d.features.apic) == (True, True, False)
    assert d.clock.offset is ir.ClockOffset.LOCALTIME
    assert d.on_crash is ir.LifecycleAction.PRESERVE
    [g] = d.devices.graphics
    assert (g.type, g.port, bool(g.autoport), g.listen) == (gr.GraphicsType.VNC, 5903, False,
                                                            "127.0.0.1")
    assert d.devices.inputs == (inp.Input(inp.InputType.TABLET, inp.InputBus.USB,
                                          span=Span("g.cfg", 21, 1)),)
    disks = {x.target_dev: x for x in d.devices.disks}
    assert (disks["hda"].type, disks["hda"].path, bool(disks["hda"].readonly)) == (
        dk.DiskType.BLOCK, "/dev/vg/root", False)
    assert (disks["hdb"].driver_name, disks["hdb"].driver_type, bool(disks["hdb"].readonly)) == (
        "tap", "qcow2", True)
    assert disks["hdb"].span == Span("g.cfg", 25, 10)
    assert (disks["hdc"].device, disks["hdc"].path) == (dk.DiskDevice.CDROM,
                                                          "/isos/install.iso")
    assert disks["fda"].device is dk.DiskDevice.FLOPPY
    [net] = d.devices.interfaces
    assert (net.type, net.mac_address, net.bridge, net.model_type) == (ir.NetType.BRIDGE,
                                                          "00:16:3e:aa:bb:cc", "xenbr0", None)
    assert [(s.type, s.target_port, s.mode) for s in d.devices.serials] == [
        (ch.CharType.PTY, 0, ch.CharMode.CONNECT), (ch.CharType.TCP, 2, ch.CharMode.BIND)]
    assert d.devices.parallels[0].path == "/var/log/lp"
    notes = {(x.code, x.span.line) for x in diags}
    assert net.bandwidth.outbound.average == 10 * 1024 // 8    # rate=10Mb/s, in KiB/s
    assert notes == {("XEN426", 29)}   # shadow_memory


XL_CONFIG = '''name = "xl-guest"; type = "pv"
memory = 0x200   # hex, as libxlu reads numbers
vcpus = "2"
kernel = '/boot/vmlinuz'
cmdline = "root=/dev/xvda1 ro\\tquiet \\"q\\" \\\\"
disk = [ 'format=qcow2, vdev=xvda, access=rw, backendtype=qdisk, target=/img/a,b.qcow2',
         "/dev/vg/swap,,xvdb",
         "phy:/dev/vg/old,xvdc,r", ]
vif = [ "bridge=xenbr0,type=vif" ]
on_crash = "restart"
'''


def test_xl_config_imports_with_its_own_syntax():
    diags = Diagnostics()
    d = import_config(XL_CONFIG, "g.cfg", "xen-xl", diags)
    assert d is not None and not len(diags), [x.message for x in diags]
    assert (d.name, d.memory_kib, d.vcpus, d.os.type) == ("xl-guest", 512 * 1024, 2,
                                                          ir.OsType.LINUX)
    assert d.os.cmdline == 'root=/dev/xvda1 ro\tquiet "q" \\' and d.os.root is None
    a, b, c = d.devices.disks
    assert (a.path, a.target_dev, a.driver_name, a.driver_type) == (
        "/img/a,b.qcow2", "xvda", "qemu", "qcow2")
    assert (b.path, b.target_dev, bool(b.readonly)) == ("/dev/vg/swap", "xvdb", False)
    assert (c.type, c.path, bool(c.readonly)) == (dk.DiskType.BLOCK, "/dev/vg/old", True)
    assert d.devices.interfaces[0].model_type == "netfront"
    assert d.on_crash is ir.LifecycleAction.RESTART and d.on_poweroff is ir.LifecycleAction.DESTROY


def test_xl_defaults_on_crash_to_destroy():
    d = import_text('name = "a"\nkernel = "/k"\n', "xen-xl")
    assert d.on_crash is ir.LifecycleAction.DESTROY
    assert import_text('name = "a"\nkernel = "/k"\n', "xen-xm").on_crash is \
        ir.LifecycleAction.RESTART


@pytest.mark.parametrize("text, code, line, column", [
    ('name = "a"\nmemory = 256 * 2\n', "XEN425", 2, 10),
    ('name = "a"\nimport os\n', "XEN425", 2, 1),
    ('name = "a"\nmemory = open("/etc/passwd").read()\n', "XEN425", 2, 10),
    ('name = "a"\nmemory = = 2\n', "XEN424", 2, 10),
    ('memory = 256\n', "XEN429", 1, 1),
    ('name = "a"\nmemory = "lots"\n', "XEN427", 2, 1),
    ('name = "a"\non_crash = "reboot"\n', "XEN427", 2, 1),
    ('name = "a"\nbuilder = "hvm"\nboot = "cz"\n', "XEN427", 3, 1),
    ('name = "a"\ndisk = [ "file:/a,hda,x" ]\n', "XEN427", 2, 10),
    ('name = "é€"; memory = 256 * 2\n', "XEN425", 1, 23),     # columns count characters
])
def test_xm_problems_are_reported_at_their_line(text, code, line, column):
    diags = Diagnostics()
    assert import_config(text, "bad.cfg", "xen-xm", diags) is None
    found = [d for d in diags if d.code == code]
    assert found and (found[0].span.line, found[0].span.column) == (line, column), \
        [(d.code, d.span, d.message) for d in diags]


@pytest.mark.parametrize("text, line, column", [
    ('name = "a"\nMemory = 2\n', 2, 1),              # keys are lower case
    ('name = "a"\nmemory = 2 + 3\n', 2, 12),          # Python, not xl
    ('name = "a\n', 1, 8),                            # no multi-line strings
    ('name = "a\\x41"\n', 1, 10),                     # libxlu drops \\x escapes
    ('name = "a"\ndisk = [ "x" "y" ]\n', 2, 14),
])
def test_xl_syntax_errors_are_reported_at_their_line(text, line, column):
    diags = Diagnostics()
    assert import_config(text, "bad.cfg", "xen-xl", diags) is None
    [d] = diags
    assert (d.code, d.span.line, d.span.column) == ("XEN424", line, column), d.message


def test_repeated_keys_keep_the_last_value_and_warn():
    diags = Diagnostics()
    d = import_config('name = "a"\nmemory = 128\nmemory = 256\nkernel = "/k"\n', "x.cfg",
                      "xen-xm", diags)
    assert d.memory_kib == 256 * 1024
    [w] = diags
    assert (w.code, w.span.line) == ("XEN431", 3) and "line 2" in w.message


def test_xl_list_append():
    d = import_text('name = "a"\nkernel = "/k"\nvif = [ "bridge=b0" ]\nvif += [ "bridge=b1" ]\n',
                    "xen-xl")
    assert [i.bridge for i in d.devices.interfaces] == ["b0", "b1"]


# ---------------------------------------------------------------- XML writing and quoting

@pytest.mark.parametrize("value", ['a"b', "a'b", "back\\slash", "new\nline", "tab\there",
                                   "cr\rreturn", "<&>", "ünï €😀"])
@pytest.mark.parametrize("target", TARGETS)
def test_awkward_values_survive_config_and_xml(value, target):
    domain = ir.Domain(ir.DomainType.XEN, value, 65536,
                       os=ir.Os(ir.OsType.LINUX, kernel="/k" + value, cmdline=value,
                                root=value),
                       devices=ir.Devices(families=(gr.Graphics(gr.GraphicsType.VNC, port=-1,
                                                                autoport=True, passwd=value,
                                                                keymap="de"),)))
    text, diags = compile_text(domain, target)
    assert text is not None, [d.message for d in diags]
    imported = import_text(text, target)
    assert (imported.name, imported.os.cmdline, imported.os.root) == (value, value, value)
    _, reloaded = reload(imported)
    assert reloaded.name == value and reloaded.devices.graphics[0].passwd == value


def test_xml_escaping_per_context():
    assert escape_text('a<b>&"c"\n\r') == 'a&lt;b&gt;&amp;"c"\n&#13;'
    assert escape_attr('a<b>&"c"\n\t') == "a&lt;b&gt;&amp;&quot;c&quot;&#10;&#9;"


def test_text_xml_cannot_hold_is_reported():
    diags = Diagnostics()
    d = import_text('name = "bell\\x07"\nkernel = "/k"\n', "xen-xm")
    assert format_domain(d, diags) is None
    assert [x.code for x in diags] == ["XEN432"]


def test_xl_refuses_control_characters_it_cannot_spell():
    domain = ir.Domain(ir.DomainType.XEN, "g", 65536,
                       os=ir.Os(ir.OsType.LINUX, kernel="/k", cmdline="esc\x1b[0m"))
    text, diags = compile_text(domain, "xen-xl")
    assert text is None and [d.code for d in diags] == ["XEN430"]
    assert "extra" in diags.items[0].message and "U+001B" in diags.items[0].message
    assert compile_text(domain, "xen-xm")[0] is not None     # Python strings can


# ---------------------------------------------------------------- the CLI entry point

def _run(path: pathlib.Path, fmt: str) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_import(str(path), fmt, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt, text", [("xen-xm", XM_CONFIG), ("xen-xl", XL_CONFIG)])
def test_run_import_prints_valid_xml(tmp_path, fmt, text):
    path = tmp_path / "guest.cfg"
    path.write_text(text, encoding="utf-8")
    status, out, err = _run(path, fmt)
    assert status == 0, err
    loaded = load_bytes(out.encode(), "out.xml")
    assert loaded.ok and loaded.node.type is ir.DomainType.XEN
    for line in err.splitlines():
        assert ": warning: XEN42" in line or line.startswith("    hint:"), line


def test_run_import_failure_writes_no_xml(tmp_path):
    path = tmp_path / "bad.cfg"
    path.write_text('name = "a"\nmemory = __import__("os").getpid()\n')
    status, out, err = _run(path, "xen-xm")
    assert (status, out) == (1, "")
    assert f"{path}:2:10: error: XEN425" in err


def test_run_import_usage_errors(tmp_path):
    assert _run(tmp_path / "missing.cfg", "xen-xm")[0] == 2
    path = tmp_path / "g.cfg"
    path.write_text('name = "a"\n')
    assert _run(path, "xen-sxp")[0] == 2
    path.write_bytes(b'name = "\xff"\n')
    assert _run(path, "xen-xm")[0] == 2


IMPORT_RULE_FIXTURES = {
    "XEN424": ("xen-xl", 'name = "a"\nmemory = 2 + 3\n'),
    "XEN425": ("xen-xm", 'name = "a"\nmemory = 2 + 3\n'),
    "XEN426": ("xen-xm", 'name = "a"\nkernel = "/k"\nvncviewer = 1\n'),
    "XEN427": ("xen-xm", 'name = "a"\nmemory = "lots"\n'),
    "XEN428": ("xen-xm", 'name = "a"\nkernel = "/k"\nvif = [ "bridge=b,accel=x" ]\n'),
    "XEN429": ("xen-xm", 'memory = 256\n'),
    "XEN431": ("xen-xl", 'name = "a"\nname = "b"\nkernel = "/k"\n'),
    "XEN432": ("xen-xm", 'name = "a\\x01"\nkernel = "/k"\n'),
    "XEN502": ("xen-xl", 'name = "a"\ntype = "hvm"\ndevice_model_version = "qemu-xen"\n'
               'device_model_override = "/usr/lib/xen/bin/qemu-dm"\n'),
}


@pytest.mark.parametrize("code", sorted(IMPORT_RULE_FIXTURES))
def test_import_rule_fixture_triggers_its_code(code, tmp_path):
    fmt, text = IMPORT_RULE_FIXTURES[code]
    path = tmp_path / "fixture.cfg"
    path.write_text(text)
    status, out, err = _run(path, fmt)
    assert f" {code} " in err
    from virtc.compiler import rules
    is_error = rules.get(code).severity.value == "error"
    assert (status == 1 and out == "") if is_error else (status == 0 and out)


def test_python_compiler_warnings_never_reach_the_user(tmp_path):
    """`1if` makes Python's compiler warn on stderr; virtc reports its own diagnostic only."""
    import subprocess
    import sys

    cfg = tmp_path / "w.cfg"
    cfg.write_text('name = "a"\nmemory = 1if 1 else 2\n')
    proc = subprocess.run([sys.executable, "-m", "virtc", "import", "--from", "xen-xm", str(cfg)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "SyntaxWarning" not in proc.stderr
    assert proc.stderr.startswith(f"{cfg}:2:10: error: XEN425")
