"""What can't cross to Xen: devices and settings that only QEMU provides (XEN470).

These are valid libvirt XML and virtc compiles several of them for QEMU, but no xm or xl
key describes them: libvirt's Xen drivers (src/libxl/xen_xm.c, xen_xl.c, xen_common.c)
write nothing for them, and a config without them starts a guest that lacks the device.
XEN440 says "virtc doesn't compile this for Xen yet"; XEN470 says "Xen has no such thing",
with the reason and what to use instead. Both are errors, on the element's line.

One row per element, keyed by what lowering leaves unread (`devices/tpm`) or by a device
family's tag when the family has no Xen module (`rng`). A family that gets a Xen module,
or an element a helper starts compiling for Xen, simply stops reaching this table.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from ...compiler.diagnostics import Diagnostics
from ...compiler.ir import Uncompiled
from ...compiler.rules.codes import XEN470

_QEMU_NS_HINT = ("pass device-model arguments with <xen:commandline> "
                 "(xl's device_model_args), or compile for QEMU")

# element → (why Xen can't, what to do instead)
QEMU_ONLY: Dict[str, Tuple[str, str]] = {
    "tpm": ("a Xen guest's TPM is a vTPM served by a vTPM stub domain (xl's vtpm=), not "
            "QEMU's tpm-tis/tpm-crb with an emulator or passthrough backend; libvirt's Xen "
            "drivers write nothing for <tpm>",
            "remove <tpm>, or set up a vTPM domain and add xl's vtpm= by hand"),
    "rng": ("virtio-rng is a QEMU device; neither xm nor xl has a key for an entropy "
            "device, and a PV guest has no PCI bus for it",
            "remove <rng>; Xen guests seed their entropy from the CPU (RDRAND) or the "
            "guest kernel"),
    "watchdog": ("i6300esb, ib700 and itco are watchdogs QEMU emulates; xm and xl have no "
                 "key for one (a Xen guest's watchdog is the hypervisor's, driven by the "
                 "guest kernel's xen_wdt with nothing to configure)",
                 "remove <watchdog>; use the guest's xen_wdt driver"),
    "panic": ("pvpanic, isa, hyperv and s390 panic notifiers are QEMU devices; xl has no "
              "key for them (Xen reports a guest crash itself: on_crash)",
              "remove <panic>; set <on_crash> for what Xen does"),
    "vsock": ("vhost-vsock is a KVM host device; Xen has no vsock transport in xm or xl",
              "remove <vsock>; use a network interface or a channel"),
    "iommu": ("the emulated IOMMUs (intel, smmuv3, virtio) are QEMU's; libvirt's Xen "
              "drivers write nothing for <iommu>",
              "remove <iommu>"),
    "filesystem": ("virtio-9p and virtiofs shares are QEMU's; libvirt's Xen drivers map no "
                   "<filesystem> (xl's p9 devices are not written from it)",
                   "remove <filesystem>; share with a disk, NFS or xl's p9= by hand"),
    "redirdev": ("USB redirection over spicevmc or tcp is QEMU's (usb-redir); xl passes host "
                 "USB devices through with usbdev= instead",
                 "remove <redirdev>; use <hostdev type='usb'> for a host device"),
    "smartcard": ("the CCID smartcard is a device QEMU emulates; xm and xl have no key for it",
                  "remove <smartcard>"),
    "shmem": ("ivshmem is a QEMU device; xm and xl have no key for shared memory devices",
              "remove <shmem>"),
    "hub": ("a USB hub is a device QEMU emulates; xl's usbctrl= sets the ports instead",
            "remove <hub>; give the USB controller more ports"),
    "crypto": ("virtio-crypto is a QEMU device; xm and xl have no key for it",
               "remove <crypto>"),
    "launchSecurity": ("AMD SEV, Intel TDX and s390 protected virtualization are KVM "
                       "features; Xen guests have no such setting in xm or xl",
                       "remove <launchSecurity>, or run the guest on KVM"),
    "qemu:commandline": ("it adds arguments to a QEMU command line; a Xen guest has no "
                         "QEMU command line of its own", _QEMU_NS_HINT),
    "qemu:capabilities": ("it changes what libvirt's QEMU driver probes; there is no such "
                          "driver for a Xen guest", _QEMU_NS_HINT),
    "qemu:override": ("it changes QEMU device properties; a Xen guest has no QEMU device "
                      "list", _QEMU_NS_HINT),
    "qemu:deprecation": ("it sets QEMU's deprecation policy; a Xen guest has no QEMU "
                         "command line", _QEMU_NS_HINT),
}
# Where each row's element sits: in <devices>, or in <domain> itself.
_DOMAIN_LEVEL = {"launchSecurity", "qemu:commandline", "qemu:capabilities", "qemu:override",
                 "qemu:deprecation"}
_PLACES = {(tag if tag in _DOMAIN_LEVEL else "devices/" + tag): tag for tag in QEMU_ONLY}


def _report(diags: Diagnostics, tag: str, span, target: str) -> None:
    why, fix = QEMU_ONLY[tag]
    diags.add(XEN470, f"<{tag}> can't be expressed for target {target}: {why}", span,
              hint=fix)


def report_uncompiled(items: Iterable[Uncompiled], diags: Diagnostics,
                      target: str) -> List[Uncompiled]:
    """Report the QEMU-only elements among `items` (XEN470); the rest, for XEN440/441."""
    rest = []
    for item in items:
        if item.path in _PLACES:
            _report(diags, _PLACES[item.path], item.span, target)
        else:
            rest.append(item)
    return rest


def report_family(node, diags: Diagnostics, target: str) -> bool:
    """True when `node` (a family Xen has no module for) is QEMU-only and was reported."""
    if node.TAG not in QEMU_ONLY or node.TAG in _DOMAIN_LEVEL:
        return False
    _report(diags, node.TAG, node.span, target)
    return True
