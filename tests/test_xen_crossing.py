"""What can't cross to Xen (issue 13, must-show 4): each QEMU-only construct in a Xen
domain is an error with its code, on its line, for xm and for xl, HVM and PV."""
from __future__ import annotations

import pytest

from virtc.backends.xen.crossing import QEMU_ONLY
from virtc.compiler.diagnostics import Diagnostics
from virtc.pipeline import CompileOptions, load_bytes, run

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
# One valid libvirt 9.0 example per row of crossing.QEMU_ONLY (memballoon is its family's).
EXAMPLES = {
    "tpm": "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>",
    "rng": "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
    "watchdog": "<watchdog model='i6300esb' action='reset'/>",
    "panic": "<panic model='isa'/>",
    "vsock": "<vsock model='virtio'><cid auto='yes'/></vsock>",
    "iommu": "<iommu model='intel'/>",
    "filesystem": "<filesystem type='mount'><source dir='/srv'/><target dir='share'/>"
                  "</filesystem>",
    "redirdev": "<redirdev bus='usb' type='spicevmc'/>",
    "smartcard": "<smartcard mode='host'/>",
    "shmem": "<shmem name='s'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>",
    "hub": "<hub type='usb'/>",
    "crypto": "<crypto model='virtio' type='qemu'><backend model='builtin' queues='1'/>"
              "</crypto>",
    "memballoon": "<memballoon model='virtio'/>",
    "launchSecurity": "<launchSecurity type='sev'><policy>0x0003</policy></launchSecurity>",
    "qemu:commandline": "<qemu:commandline><qemu:arg value='-no-hpet'/></qemu:commandline>",
    "qemu:capabilities": "<qemu:capabilities><qemu:del capability='blockdev'/>"
                         "</qemu:capabilities>",
    "qemu:override": "<qemu:override><qemu:device alias='ua-x'><qemu:frontend>"
                     "<qemu:property name='p' type='string' value='v'/></qemu:frontend>"
                     "</qemu:device></qemu:override>",
    "qemu:deprecation": "<qemu:deprecation behavior='crash'/>",
}
DOMAIN_LEVEL = {"launchSecurity"} | {t for t in EXAMPLES if t.startswith("qemu:")}


def domain(tag: str, hvm: bool) -> bytes:
    os = ("<type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader>" if hvm
          else "<type>linux</type><kernel>/boot/vmlinuz</kernel>")
    element = EXAMPLES[tag]
    devices = "" if tag in DOMAIN_LEVEL else element
    top = element if tag in DOMAIN_LEVEL else ""
    return (f"<domain type='xen' xmlns:qemu='{QEMU_NS}'>\n"
            "  <name>g</name>\n  <memory unit='MiB'>256</memory>\n"
            f"  <os>{os}</os>\n"
            f"  <devices>\n    {devices}\n  </devices>\n  {top}\n</domain>\n").encode()


def test_every_row_has_an_example():
    assert set(QEMU_ONLY) | {"memballoon"} == set(EXAMPLES)


@pytest.mark.parametrize("hvm", [True, False], ids=["hvm", "pv"])
@pytest.mark.parametrize("target", ["xen-xm", "xen-xl"])
@pytest.mark.parametrize("tag", sorted(EXAMPLES))
def test_a_qemu_only_construct_is_an_error_on_its_line(tag, target, hvm):
    source = domain(tag, hvm)
    assert load_bytes(source, "g.xml").ok, "the example is valid libvirt XML"
    result = run(source, "g.xml", CompileOptions(target=target))
    assert result.output is None
    found = [(d.code, d.span.line) for d in result.diagnostics if d.severity.value == "error"]
    line = 8 if tag in DOMAIN_LEVEL else 6
    assert found == [("XEN470", line)], [d.message for d in result.diagnostics]
    [d] = [d for d in result.diagnostics if d.code == "XEN470"]
    assert f"<{tag}" in d.message and target in d.message and d.hint


def test_xens_own_namespace_is_no_qemu_construct():
    source = (b"<domain type='xen' xmlns:xen='http://libvirt.org/schemas/domain/xen/1.0'>"
              b"<name>g</name><memory>262144</memory><os><type>hvm</type><loader>/l</loader></os>"
              b"<devices/>"
              b"<xen:commandline><xen:arg value='-x'/></xen:commandline></domain>")
    result = run(source, "g.xml", CompileOptions(target="xen-xl"))
    codes = {d.code for d in result.diagnostics}
    assert "XEN470" not in codes
    assert any("<xen:commandline>" in d.message for d in result.diagnostics)
