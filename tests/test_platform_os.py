"""<os>, firmware and <sysinfo>: lowering and writing, post-parse, QEMU (checked against
libvirt's own argv and the real QEMU with Debian's OVMF and SeaBIOS) and Xen (xm and xl,
both ways)."""
from __future__ import annotations

import json
import pathlib
import shlex
import shutil

import pytest

from ir_facts import facts
from qemu_harness import needs_qemu, run_paused, run_until_marker
from virtc.backends.domainxml import format_domain
from virtc.backends.qemu import QemuContext, get_dialect
from virtc.backends.qemu import guest_os as qemu_os
from virtc.backends.qemu.opts import render
from virtc.backends.xen import import_config
from virtc.backends.xen.parse_xl import parse_xl
from virtc.cli.xen import import_text
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.guest_os import LoaderType
from virtc.compiler.networks import network_table
from virtc.compiler.postparse import firmware
from virtc.pipeline import CompileOptions, compile_domain, load_bytes, run

ROOT = pathlib.Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
OVMF = pathlib.Path("/usr/share/OVMF")
SEABIOS = pathlib.Path("/usr/share/seabios/bios-256k.bin")


def domain_xml(os_body: str, *, os_attrs: str = "", head: str = "<domain type='qemu'>",
               before_os: str = "", devices: str = "<serial type='pty'/>",
               name: str = "g") -> bytes:
    return (f"{head}\n  <name>{name}</name>\n  <memory unit='MiB'>256</memory>\n{before_os}"
            f"  <os{os_attrs}>\n{os_body}\n  </os>\n  <features><acpi/></features>\n"
            f"  <devices>{devices}</devices>\n</domain>\n").encode()


def loaded(source: bytes):
    result = load_bytes(source, "os.xml")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    return result.node


def argv_of(source: bytes, version: str = "7.2"):
    result = run(source, "os.xml", CompileOptions(target="qemu", qemu_version=version))
    errors = [(d.code, d.message) for d in result.diagnostics if d.severity.value == "error"]
    assert result.output is not None, errors
    return result.output


def values(argv, flag):
    return [argv[i + 1] for i, word in enumerate(argv) if word == flag]


EVERYTHING = domain_xml("""\
    <type arch='x86_64' machine='q35'>hvm</type>
    <firmware><feature enabled='yes' name='secure-boot'/><feature enabled='no' name='enrolled-keys'/></firmware>
    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/g_VARS.fd</nvram>
    <kernel>/boot/vmlinuz</kernel>
    <initrd>/boot/initrd</initrd>
    <cmdline>console=ttyS0</cmdline>
    <dtb>/boot/board.dtb</dtb>
    <acpi><table type='slic'>/etc/slic.bin</table></acpi>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
    <bootmenu enable='yes' timeout='3000'/>
    <smbios mode='sysinfo'/>
    <bios useserial='yes' rebootTimeout='0'/>""", os_attrs=" firmware='efi'", before_os="""\
  <sysinfo type='smbios'>
    <bios><entry name='vendor'>Acme, Inc.</entry><entry name='date'>01/01/2023</entry></bios>
    <system><entry name='product'>Widget</entry><entry name='manufacturer'>Acme</entry></system>
    <baseBoard><entry name='serial'>B1</entry></baseBoard>
    <chassis><entry name='asset'>A7</entry></chassis>
    <oemStrings><entry>first</entry><entry>with, comma</entry></oemStrings>
  </sysinfo>
""")


# ------------------------------------------------------------------ lowering and writing

def test_every_os_child_and_sysinfo_is_compiled_not_reported():
    dom = loaded(EVERYTHING)
    assert [u.path for u in dom.uncompiled if u.path.startswith(("os", "sysinfo"))] == []
    os_ = dom.os
    assert os_.firmware_features.wants("secure-boot") is True
    assert os_.firmware_features.wants("enrolled-keys") is False
    assert (os_.loader.type, os_.loader.secure, os_.loader.readonly) == (
        LoaderType.PFLASH, True, True)
    assert os_.nvram.template == "/usr/share/OVMF/OVMF_VARS_4M.fd"
    assert (os_.bootmenu.enable, os_.bootmenu.timeout) == (True, 3000)
    assert (os_.bios.useserial, os_.bios.reboot_timeout) == (True, 0)
    assert os_.dtb == "/boot/board.dtb" and os_.acpi_tables[0].path == "/etc/slic.bin"
    # Each sub-element keeps the line it was written on.
    lines = EVERYTHING.decode().splitlines()
    line_of = lambda tag: 1 + next(i for i, l in enumerate(lines) if l.strip().startswith(tag))
    assert (os_.loader.span.line, os_.bootmenu.span.line, os_.acpi_tables[0].span.line) == (
        line_of("<loader"), line_of("<bootmenu"), line_of("<acpi"))


def test_what_stays_unread_is_still_reported():
    source = domain_xml("""\
    <type>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
    <nvram type='file'><source file='/var/lib/g_VARS.fd'/></nvram>""", before_os="""\
  <sysinfo type='fwcfg'><entry name='opt/com.example/x'>1</entry></sysinfo>
""")
    paths = {u.path for u in loaded(source).uncompiled}
    assert {"sysinfo", "os/nvram@type", "os/nvram/source"} <= paths


def test_the_writer_gives_back_what_lowering_read():
    first = loaded(EVERYTHING)
    text = format_domain(first, Diagnostics())
    again = loaded(text.encode())
    assert facts(again.os) == facts(first.os)
    assert facts(again.sysinfo) == facts(first.sysinfo)


# ------------------------------------------------------------------ post-parse: firmware

def _efi(machine="q35", features="", name="g"):
    return loaded(domain_xml(f"    <type arch='x86_64' machine='{machine}'>hvm</type>{features}",
                             os_attrs=" firmware='efi'", name=name))


@pytest.mark.parametrize("machine, features, code, template, secure", [
    # libvirt takes the first descriptor by name that fits: on q35 the one with Microsoft's
    # keys enrolled (tests/corpus/native/debian11-uefi.argv), on pc the plain one (pc-uefi).
    ("q35", "", "OVMF_CODE_4M.ms.fd", "OVMF_VARS_4M.ms.fd", True),
    ("pc-q35-7.2", "", "OVMF_CODE_4M.ms.fd", "OVMF_VARS_4M.ms.fd", True),
    ("pc", "", "OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd", None),
    ("q35", "<firmware><feature enabled='no' name='secure-boot'/></firmware>",
     "OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd", None),
    ("q35", "<firmware><feature enabled='yes' name='secure-boot'/>"
            "<feature enabled='no' name='enrolled-keys'/></firmware>",
     "OVMF_CODE_4M.secboot.fd", "OVMF_VARS_4M.fd", True),
])
def test_efi_autoselection_follows_libvirts_descriptor_rules(machine, features, code,
                                                              template, secure):
    dom = firmware.apply(_efi(machine, features), firmware.DEBIAN_OVMF)
    assert dom.os.loader.path == f"/usr/share/OVMF/{code}"
    assert (dom.os.loader.type, dom.os.loader.readonly, dom.os.loader.secure) == (
        LoaderType.PFLASH, True, secure)
    assert dom.os.nvram.template == f"/usr/share/OVMF/{template}"
    assert dom.os.nvram.path == "/var/lib/libvirt/qemu/nvram/g_VARS.fd"


def test_secure_boot_on_pc_has_no_firmware():
    dom = _efi("pc", "<firmware><feature enabled='yes' name='secure-boot'/></firmware>")
    assert firmware.apply(dom, firmware.DEBIAN_OVMF).os.loader is None


def test_the_fallback_is_debians_descriptors_as_they_ship():
    assert firmware.installed_descriptors(dirs=[]) == firmware.DEBIAN_OVMF
    shipped = pathlib.Path("/usr/share/qemu/firmware")
    if not (shipped / "60-edk2-x86_64.json").exists():
        pytest.skip("Debian's ovmf package is not installed")
    assert firmware.installed_descriptors(dirs=[str(shipped)]) == firmware.DEBIAN_OVMF


def test_a_users_descriptor_wins_as_in_libvirt(tmp_path, monkeypatch):
    folder = tmp_path / "qemu" / "firmware"
    folder.mkdir(parents=True)
    (folder / "10-mine.json").write_text(json.dumps({
        "interface-types": ["uefi"],
        "mapping": {"device": "flash", "executable": {"filename": "/opt/my/CODE.fd"},
                    "nvram-template": {"filename": "/opt/my/VARS.fd"}},
        "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}],
        "features": []}))
    (folder / "20-bios.json").write_text(json.dumps({"interface-types": ["bios"]}))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    dom = firmware.apply(_efi("q35"))
    assert (dom.os.loader.path, dom.os.nvram.template) == ("/opt/my/CODE.fd", "/opt/my/VARS.fd")


def test_an_untyped_loader_is_a_rom_unless_it_has_a_variable_store():
    rom = loaded(domain_xml("    <type>hvm</type>\n    <loader>/usr/share/seabios/bios.bin</loader>"))
    assert rom.os.loader.type is LoaderType.ROM and rom.os.nvram is None
    flash = loaded(domain_xml("    <type>hvm</type>\n"
                              "    <loader readonly='yes'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"))
    assert flash.os.loader.type is LoaderType.PFLASH
    # The template comes from the descriptor whose executable the loader is.
    assert flash.os.nvram.template == "/usr/share/OVMF/OVMF_VARS_4M.fd"


# ------------------------------------------------------------------ QEMU: libvirt's argv

def _native(name):
    words = shlex.split((CORPUS / "native" / f"{name}.argv").read_text())
    return words


def _blockdevs(words):
    """pflash node → (filename, read-only) from libvirt's JSON or virtc's key=value."""
    found = {}
    storage = {}
    for value in values(words, "-blockdev"):
        if value.startswith("{"):
            props = json.loads(value)
        else:
            props = dict(p.split("=", 1) for p in value.replace(",,", "\0").split(","))
            props = {k: v.replace("\0", ",") for k, v in props.items()}
        node = props.get("node-name", "")
        if "filename" in props:
            storage[node] = props["filename"]
        elif node.startswith("libvirt-pflash"):
            found[node] = (storage[props["file"]], props["read-only"] in (True, "on"))
    return found


def _machine_props(words):
    (machine,) = values(words, "-machine")
    return dict(p.partition("=")[::2] for p in machine.split(",")[1:])


UEFI_CORPUS = sorted(p.stem for p in (CORPUS / "native").glob("*.argv")
                     if "pflash" in p.read_text())


@pytest.mark.parametrize("name", UEFI_CORPUS)
def test_uefi_flash_agrees_with_libvirts_argv(name):
    """The firmware part of virtc's argv for each UEFI corpus document, against the argv
    libvirt 9.0 made for it (virsh domxml-to-native): the same images, read-only as libvirt
    opens them, the same machine properties and the secure flash."""
    source = (CORPUS / "dumpxml" / f"{name}.xml").read_bytes()
    dom = load_bytes(source, name).node
    ctx = QemuContext(Diagnostics(), get_dialect("7.2"), network_table())
    options = qemu_os.build_pflash_blockdevs(dom, ctx) + qemu_os.build_firmware(dom, ctx)
    ours = render(options, ctx.dialect, ctx.diags)
    theirs = _native(name)
    assert _blockdevs(ours) == _blockdevs(theirs)
    props = dict((k, "on" if v is True else v) for k, v in qemu_os.machine_props(dom, ctx))
    libvirt_props = _machine_props(theirs)
    assert props == {k: libvirt_props[k] for k in ("smm", "pflash0", "pflash1")
                     if k in libvirt_props}
    assert values(ours, "-global") == [g for g in values(theirs, "-global")
                                       if "cfi.pflash01" in g]


def test_smbios_agrees_with_libvirts_argv():
    source = (CORPUS / "dumpxml" / "sysinfo-smbios.xml").read_bytes()
    dom = load_bytes(source, "sysinfo").node
    ctx = QemuContext(Diagnostics(), get_dialect("7.2"), network_table())
    ours = render(qemu_os.build_smbios(dom, ctx), ctx.dialect, ctx.diags)
    assert values(ours, "-smbios") == values(_native("sysinfo-smbios"), "-smbios")


def test_the_whole_firmware_vocabulary_on_the_command_line():
    argv = argv_of(EVERYTHING)
    assert _machine_props(argv)["smm"] == "on"
    assert values(argv, "-boot") == ["menu=on,splash-time=3000,reboot-timeout=0,strict=on"]
    assert values(argv, "-dtb") == ["/boot/board.dtb"]
    assert values(argv, "-acpitable") == ["sig=SLIC,file=/etc/slic.bin"]
    assert values(argv, "-smbios") == [
        "type=0,vendor=Acme,, Inc.,date=01/01/2023", "type=1,manufacturer=Acme,product=Widget",
        "type=2,serial=B1", "type=3,asset=A7", "type=11,value=first,value=with,, comma"]
    assert "sga" in values(argv, "-device")


def test_old_dialects_put_the_flash_on_drives():
    argv = argv_of(EVERYTHING, "3.1")
    assert values(argv, "-drive")[:2] == [
        "file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd,if=pflash,format=raw,unit=0,readonly=on",
        "file=/var/lib/g_VARS.fd,if=pflash,format=raw,unit=1"]
    assert "-blockdev" not in argv and "pflash0" not in values(argv, "-machine")[0]


def test_a_rom_loader_is_bios_and_smbios_host_is_refused():
    argv = argv_of(domain_xml("    <type>hvm</type>\n    <loader type='rom'>/x/bios.bin</loader>"))
    assert values(argv, "-bios") == ["/x/bios.bin"]
    result = run(domain_xml("    <type>hvm</type>\n    <smbios mode='host'/>"), "h.xml",
                 CompileOptions(target="qemu", qemu_version="7.2"))
    assert result.output is None and "QEMU350" in [d.code for d in result.diagnostics]


# ------------------------------------------------------------------ the real QEMU

def _efi_source(tmp_path, machine, extra=""):
    return domain_xml(f"    <type arch='x86_64' machine='{machine}'>hvm</type>\n"
                      f"    <nvram>{tmp_path}/g_VARS.fd</nvram>{extra}",
                      os_attrs=" firmware='efi'")


@needs_qemu
def test_uefi_secure_boot_starts_in_qemu(tmp_path):
    """q35 + firmware='efi': OVMF with Microsoft's keys, SMM and the secure flash. The
    firmware's boot manager runs, and refuses the unsigned EFI shell: secure boot is on."""
    if not (OVMF / "OVMF_CODE_4M.ms.fd").exists():
        pytest.fail("Debian's ovmf is not installed (.ci/run installs it)")
    argv = argv_of(_efi_source(tmp_path, "q35"))
    shutil.copyfile(OVMF / "OVMF_VARS_4M.ms.fd", tmp_path / "g_VARS.fd")
    serial = str(tmp_path / "serial.log")
    result = run_until_marker(argv + ["-serial", f"file:{serial}"], serial,
                              b"Security Violation", timeout=90)
    assert result.started, result.stderr
    assert b"BdsDxe" in result.serial and b"Security Violation" in result.serial


@needs_qemu
def test_uefi_on_pflash_drives_starts_in_qemu(tmp_path):
    """pc + firmware='efi' in the 3.1 dialect: -drive if=pflash; the plain OVMF boots its
    shell."""
    argv = argv_of(_efi_source(tmp_path, "pc"), "3.1")
    shutil.copyfile(OVMF / "OVMF_VARS_4M.fd", tmp_path / "g_VARS.fd")
    serial = str(tmp_path / "serial.log")
    result = run_until_marker(argv + ["-serial", f"file:{serial}"], serial,
                              b"BdsDxe: starting Boot", timeout=90)
    assert result.started, result.stderr
    assert b"Security Violation" not in result.serial


@needs_qemu
@pytest.mark.parametrize("loader", ["", f"\n    <loader type='rom'>{SEABIOS}</loader>"])
def test_seabios_boot_menu_on_the_serial_port(tmp_path, loader):
    """<bootmenu enable='yes'> and <bios useserial='yes'>: SeaBIOS offers its menu, and sga
    copies the screen to the serial port (with the default BIOS and with -bios)."""
    source = domain_xml("    <type>hvm</type>" + loader + "\n    <boot dev='network'/>\n"
                        "    <bootmenu enable='yes' timeout='500'/>\n"
                        "    <bios useserial='yes' rebootTimeout='-1'/>",
                        devices="<serial type='file'><source path='SERIAL'/></serial>"
                                "<interface type='user'><mac address='52:54:00:12:34:56'/>"
                                "</interface>")
    serial = str(tmp_path / "serial.log")
    argv = argv_of(source.replace(b"SERIAL", serial.encode()))
    if loader:
        assert values(argv, "-bios") == [str(SEABIOS)]
    result = run_until_marker(argv, serial, b"Press ESC for boot menu", timeout=60)
    assert result.started, result.stderr
    assert b"SeaBIOS" in result.serial


@needs_qemu
def test_smbios_acpi_table_and_kernel_options_start_in_qemu(tmp_path):
    table = tmp_path / "slic.bin"
    table.write_bytes(b"SLIC" + (36).to_bytes(4, "little") + bytes(28))
    source = EVERYTHING.replace(b"/etc/slic.bin", str(table).encode())
    dom = loaded(source)
    argv = compile_domain(dom, "qemu", Diagnostics(), qemu_version="7.2")
    argv = [w for w in argv if w not in ("-dtb", "/boot/board.dtb")]   # x86 takes no dtb
    kernel, initrd = tmp_path / "vmlinuz", tmp_path / "initrd"
    from test_golden_qemu import tiny_bzimage
    kernel.write_bytes(tiny_bzimage())
    initrd.write_bytes(b"initrd")
    shutil.copyfile(OVMF / "OVMF_VARS_4M.fd", tmp_path / "VARS.fd")
    argv = [str(kernel) if w == "/boot/vmlinuz" else str(initrd) if w == "/boot/initrd"
            else w.replace("/var/lib/g_VARS.fd", str(tmp_path / "VARS.fd")) for w in argv]
    result = run_paused(argv)
    assert result.started, result.stderr
    assert result.status["status"] == "prelaunch"


# ------------------------------------------------------------------ Xen

XEN_HVM = """<domain type='xen'>
  <name>g</name>
  <memory unit='MiB'>512</memory>
  <os>
    <type arch='x86_64' machine='xenfv'>hvm</type>{os}
    <boot dev='cdrom'/>
  </os>
  <features><acpi/><apic/><pae/></features>
  <devices>
    <emulator>/usr/lib/xen/bin/qemu-system-i386</emulator>
  </devices>
</domain>
"""


def xl_keys(domain_text: str, target="xen-xl"):
    dom = loaded(domain_text.encode())
    diags = Diagnostics()
    text = compile_domain(dom, target, diags)
    assert text is not None, [(d.code, d.message) for d in diags]
    settings = parse_xl(text, "out.cfg", Diagnostics())
    return {k: s.value for k, s in settings.items()}, text


def test_xl_uefi_slic_and_direct_kernel_boot():
    keys, _ = xl_keys(XEN_HVM.format(os="""
    <loader readonly='yes' type='pflash'>/usr/lib/xen/boot/ovmf.bin</loader>
    <kernel>/tmp/vmlinuz</kernel>
    <initrd>/tmp/initrd</initrd>
    <cmdline>ignore_loglvl</cmdline>
    <acpi><table type='slic'>/sys/firmware/acpi/tables/SLIC</table></acpi>"""))
    # libvirt's tests/xlconfigdata: test-fullvirt-ovmf, -acpi-slic, -direct-kernel-boot.
    assert keys["type"] == "hvm" and keys["bios"] == "ovmf" and "firmware_override" not in keys
    assert keys["acpi_firmware"] == "/sys/firmware/acpi/tables/SLIC"
    assert (keys["kernel"], keys["ramdisk"], keys["cmdline"]) == (
        "/tmp/vmlinuz", "/tmp/initrd", "ignore_loglvl")
    assert keys["boot"] == "d"
    assert keys["device_model_override"] == "/usr/lib/xen/bin/qemu-system-i386"


def test_xl_pvh_and_its_import():
    text = XEN_HVM.replace("<type arch='x86_64' machine='xenfv'>hvm</type>{os}",
                           "<type>xenpvh</type>\n    <kernel>/tmp/vmlinuz</kernel>\n"
                           "    <cmdline>console=hvc0</cmdline>").replace(
        "    <boot dev='cdrom'/>\n", "").replace("<features><acpi/><apic/><pae/></features>", "")
    keys, cfg = xl_keys(text)
    assert (keys["type"], keys["kernel"], keys["cmdline"]) == ("pvh", "/tmp/vmlinuz",
                                                               "console=hvc0")
    diags = Diagnostics()
    back = import_config(cfg, "pvh.cfg", "xen-xl", diags)
    assert back.os.type.value == "xenpvh" and back.os.cmdline == "console=hvc0"
    result = run(text.encode(), "pvh.xml", CompileOptions(target="xen-xm"))
    assert result.output is None and "XEN450" in [d.code for d in result.diagnostics]


# libvirt's tests/xlconfigdata/test-fullvirt-ovmf.cfg, as libvirt wrote it.
LIBVIRT_XL_OVMF = """name = "XenGuest2"
uuid = "c7a5fdb2-cdaf-9455-926a-d65c16db1809"
maxmem = 579
memory = 394
vcpus = 1
pae = 1
acpi = 1
apic = 1
localtime = 0
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "restart"
device_model = "/usr/lib/xen/bin/qemu-system-i386"
builder = "hvm"
bios = "ovmf"
boot = "d"
"""


def test_xl_import_keeps_device_model_and_needs_no_loader():
    """Issue 13: an xl file's device_model is the <emulator>, and an HVM guest without a
    firmware key imports to XML that virtc validates clean (libxl picks hvmloader)."""
    diags = Diagnostics()
    xml = import_text(LIBVIRT_XL_OVMF, "ovmf.cfg", "xen-xl", diags)
    assert xml is not None, [(d.code, d.message) for d in diags]
    assert not [d for d in diags if d.severity.value == "error"]
    dom = loaded(xml.encode())
    assert dom.devices.emulator == "/usr/lib/xen/bin/qemu-system-i386"
    assert (dom.os.loader.type, dom.os.loader.path) == (LoaderType.PFLASH,
                                                        "/usr/lib/xen/boot/ovmf.bin")
    plain = LIBVIRT_XL_OVMF.replace('bios = "ovmf"\n', "").replace(
        'device_model = ', 'device_model_version = "qemu-xen"\ndevice_model_override = ')
    diags = Diagnostics()
    xml = import_text(plain, "plain.cfg", "xen-xl", diags)
    assert xml is not None and not [d for d in diags if d.code in ("SEM212", "XEN426")], [
        (d.code, d.message) for d in diags]
    assert "<loader" not in xml and "<emulator>/usr/lib/xen/bin/qemu-system-i386" in xml
    # And it compiles back to xl without a firmware key.
    keys, _ = xl_keys(xml)
    assert "firmware_override" not in keys and "bios" not in keys


def test_xm_keeps_its_seed_keys_and_says_what_it_cannot_carry():
    keys, _ = xl_keys(XEN_HVM.format(os="\n    <loader>/usr/lib/xen/boot/hvmloader</loader>"),
                      "xen-xm")
    assert keys["builder"] == "hvm" and keys["kernel"] == "/usr/lib/xen/boot/hvmloader"
    assert keys["device_model"] == "/usr/lib/xen/bin/qemu-system-i386"
    result = run(XEN_HVM.format(os="\n    <loader>/l</loader>\n    <bootmenu enable='yes'/>\n"
                                   "    <smbios mode='emulate'/>").encode(), "x.xml",
                 CompileOptions(target="xen-xl"))
    assert [d.code for d in result.diagnostics if d.code == "XEN452"] == ["XEN452", "XEN452"]


# ------------------------------------------------------------------ machine type names

FAKE_QEMU = """#!/bin/sh
echo called >> "$0.calls"
cat <<'HELP'
Supported machines are:
ubuntu               Ubuntu 22.04 PC (i440FX + PIIX, 1996) (alias of pc-i440fx-jammy)
pc-i440fx-jammy      Ubuntu 22.04 PC (i440FX + PIIX, 1996) (default)
pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-6.2)
pc-i440fx-6.2        Standard PC (i440FX + PIIX, 1996)
q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-6.2)
pc-q35-6.2           Standard PC (Q35 + ICH9, 2009)
HELP
"""


def _machine(source: bytes, **options) -> str:
    result = run(source, "m.xml", CompileOptions(target="qemu", **options))
    assert result.output is not None, [(d.code, d.message) for d in result.diagnostics]
    (machine,) = values(result.output, "-machine")
    return machine.split(",")[0]


def _typed(machine: str, arch: str = "x86_64") -> bytes:
    return domain_xml(f"    <type arch='{arch}' machine='{machine}'>hvm</type>")


def test_machine_aliases_take_the_emulators_canonical_name(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fake = tmp_path / "qemu-system-x86_64"
    fake.write_text(FAKE_QEMU)
    fake.chmod(0o755)
    opts = dict(qemu_version="7.2", emulator=str(fake))
    assert _machine(_typed("ubuntu"), **opts) == "pc-i440fx-jammy"
    # pc and q35 stay as written; a versioned name is not an alias; nothing is no machine.
    assert _machine(_typed("pc"), **opts) == "pc" and _machine(_typed("q35"), **opts) == "q35"
    assert _machine(_typed("pc-q35-6.2"), **opts) == "pc-q35-6.2"
    # The answer is cached per binary: a second compile doesn't run -machine help again.
    assert _machine(_typed("ubuntu"), **opts) == "pc-i440fx-jammy"
    assert (tmp_path / "qemu-system-x86_64.calls").read_text().count("called") == 1


def test_without_an_emulator_the_dialect_names_the_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))           # no qemu-system-aarch64 anywhere
    assert _machine(_typed("virt", "aarch64"), qemu_version="7.2") == "virt-7.2"
    assert _machine(_typed("virt", "aarch64"), qemu_version="1.1") == "virt"
    assert _machine(_typed("q35"), qemu_version="7.2") == "q35"


@needs_qemu
def test_the_installed_qemu_keeps_pc_and_q35(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from virtc.discovery.machines import emulator_aliases

    aliases = emulator_aliases(shutil.which("qemu-system-x86_64"))
    assert aliases["q35"].startswith("pc-q35-") and aliases["pc"].startswith("pc-i440fx-")
    assert _machine(_typed("q35")) == "q35" and _machine(_typed("pc")) == "pc"


# ------------------------------------------------------------------ property: xl both ways

from hypothesis import given, settings, strategies as st  # noqa: E402

from test_xen_import import assert_fixed_point  # noqa: E402
from virtc.compiler import ir  # noqa: E402
from virtc.compiler.guest_os import AcpiTable, Loader  # noqa: E402

_PATH = st.sampled_from(["/tmp/vmlinuz", "/boot/initrd.img", "/var/lib/xen/k a,b", "/x\"y"])
_TEXT = st.none() | st.sampled_from(["console=hvc0", "root=/dev/xvda1 ro", "a'b \"c\""])


@st.composite
def xl_os_domains(draw) -> ir.Domain:
    """Xen guests over the OS vocabulary xl carries: HVM with hvmloader (implicit or
    firmware_override) or OVMF, a SLIC table, direct kernel boot; PVH; PV."""
    kind = draw(st.sampled_from(["hvm", "pvh", "pv"]))
    if kind == "hvm":
        loader = draw(st.sampled_from([
            None, Loader(path="/usr/lib/xen/boot/hvmloader"),
            Loader(readonly=True, type=LoaderType.PFLASH, path="/usr/lib/xen/boot/ovmf.bin")]))
        kernel = draw(st.none() | _PATH)
        os_ = ir.Os(ir.OsType.HVM, loader=loader, kernel=kernel,
                    initrd=draw(st.none() | _PATH) if kernel else None,
                    cmdline=draw(_TEXT) if kernel else None,
                    acpi_tables=tuple(AcpiTable(path=p) for p in draw(
                        st.lists(_PATH, max_size=1))),
                    boot=tuple(ir.Boot(d) for d in draw(st.lists(
                        st.sampled_from(list(ir.BootDev)), min_size=1, max_size=3))))
    else:
        os_ = ir.Os(ir.OsType.XENPVH if kind == "pvh" else ir.OsType.LINUX,
                    kernel=draw(_PATH), initrd=draw(st.none() | _PATH), cmdline=draw(_TEXT))
    return ir.Domain(ir.DomainType.XEN, "guest", 262144, os=os_,
                     features=ir.Features(acpi=kind == "hvm"),
                     devices=ir.Devices(emulator=draw(st.none() | st.just(
                         "/usr/lib/xen/bin/qemu-system-i386"))))


@settings(max_examples=60, deadline=None)
@given(domain=xl_os_domains())
def test_generated_os_vocabulary_reaches_a_fixed_point_through_xl(domain):
    assert_fixed_point(domain, "xen-xl")


def test_a_stateless_loader_has_no_variable_store():
    argv = argv_of(domain_xml("    <type machine='q35'>hvm</type>\n    <loader readonly='yes' "
                              "type='pflash' stateless='yes'>/usr/share/OVMF/OVMF_CODE_4M.fd"
                              "</loader>"))
    assert _machine_props(argv).get("pflash0") == "libvirt-pflash0-format"
    assert "pflash1" not in _machine_props(argv) and len(values(argv, "-blockdev")) == 2


def test_the_sysinfo_uuid_is_the_domains_as_libvirt_reads_it():
    sysinfo = ("  <sysinfo type='smbios'><system><entry name='uuid'>{}</entry></system>"
               "</sysinfo>\n")
    body = "    <type>hvm</type>\n    <smbios mode='sysinfo'/>"
    # Without <uuid>, the domain takes the one <sysinfo> gives: -uuid and SMBIOS agree.
    argv = argv_of(domain_xml(body, before_os=sysinfo.format("C7A5FDB2CDAF9455926AD65C16DB1809")))
    assert values(argv, "-uuid") == ["c7a5fdb2-cdaf-9455-926a-d65c16db1809"]
    assert values(argv, "-smbios") == ["type=1,uuid=C7A5FDB2CDAF9455926AD65C16DB1809"]
    for bad in ("not-a-uuid", "00000000-0000-4000-8000-000000000001"):
        source = domain_xml(body, before_os=sysinfo.format(bad)).replace(
            b"<name>g</name>", b"<name>g</name><uuid>c7a5fdb2-cdaf-9455-926a-d65c16db1809</uuid>")
        result = load_bytes(source, "u.xml")
        assert [d.code for d in result.diagnostics if d.severity.value == "error"] == ["SEM280"]
