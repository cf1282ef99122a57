"""<shmem> → an ivshmem PCI device (compiler/devices/shmem.py), as libvirt's
qemuBuildShmemCommandLine writes it:

    <shmem name='shmem0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
    -object memory-backend-file,id=shmmem-shmem0,mem-path=/dev/shm/shmem0,size=4194304,share=on
    -device ivshmem-plain,id=shmem0,memdev=shmmem-shmem0,bus=…,addr=…

    <shmem name='shmem1'><model type='ivshmem-doorbell'/><server path='/run/ivshmem.sock'/></shmem>
    -device ivshmem-doorbell,id=shmem1,chardev=charshmem1,ioeventfd=on,bus=…,addr=…
    -chardev socket,id=charshmem1,path=/run/ivshmem.sock

The ids are libvirt's: the memory backend is `shmmem-<alias>`, the server's socket
`char<alias>`; the device comes before its -chardev, as libvirt writes it (QEMU creates the
character devices first whatever their order). role= is master=on/off, on a plain device
only. The legacy `ivshmem` device (QEMU < 4.0) takes the same settings as its own
properties (size in MiB, shm=NAME or chardev=), as libvirt wrote it for those QEMUs;
QEMU 4.0 removed it (QEMU450).
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.shmem import QEMU450, QEMU454, Shmem, ShmemModel, ShmemRole
from ....compiler.ir import Domain
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import device_id, not_compiled, placement

_MASTER = {ShmemRole.MASTER: True, ShmemRole.PEER: False, None: None}


def build(node: Shmem, domain: Domain, ctx: QemuContext) -> List[Option]:
    model = node.model_type
    if model is ShmemModel.IVSHMEM and not ctx.has(Cap.IVSHMEM_LEGACY):
        ctx.diags.add(QEMU450, f"<shmem name='{node.name}'> is the legacy 'ivshmem' device"
                      f"{'' if node.model else ' (no <model> given)'}, which QEMU removed in"
                      f" 4.0; QEMU {ctx.dialect.version} has no such device",
                      node.model.span if node.model else node.span,
                      hint="write <model type='ivshmem-plain'/> (or 'ivshmem-doorbell' with a"
                      " <server>)")
        return []
    if model is not ShmemModel.IVSHMEM and not ctx.has(Cap.IVSHMEM_PLAIN):
        ctx.unsupported(node.span, f"<shmem> model '{model.value}'",
                        "use a QEMU of 2.6 or later (--qemu-version 2.12)")
        return []
    address = node.info.address
    if address is not None and address.type != "pci":
        ctx.diags.add(QEMU454, f"<shmem name='{node.name}'> has <address type='{address.type}'>:"
                      " an ivshmem device sits on PCI only (libvirt: \"only 'pci' addresses are"
                      " supported for the shared memory device\")", address.span,
                      hint="give a PCI address, or remove <address>")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    dev_id = device_id(node.info, node.span, ctx)
    where = placement(node.info, domain, ctx, "<shmem>")
    if dev_id is None or where is None:
        return []
    if model is ShmemModel.IVSHMEM:
        return _legacy(node, dev_id, where)
    server = node.server.path if node.server is not None else None
    msi = node.msi
    options: List[Option] = []
    memdev = None
    if server is None:
        memdev = f"shmmem-{dev_id}"
        options.append(Option("-object", Opts.of(
            "memory-backend-file", ("id", memdev), ("mem-path", f"/dev/shm/{node.name}"),
            ("size", node.size.bytes if node.size is not None else None), ("share", True)),
            node.size.span if node.size is not None else node.span))
    props = [("id", dev_id), ("chardev", f"char{dev_id}" if server is not None else None),
             ("memdev", memdev), ("master", _MASTER[node.role] if server is None else None),
             ("vectors", msi.vectors if msi is not None else None),
             ("ioeventfd", msi.ioeventfd if msi is not None else None), *where]
    options.append(Option("-device", Opts.of(model.value, *props), node.span))
    if server is not None:
        options.append(_socket(dev_id, server, node))
    return options


def _socket(dev_id: str, path: str, node: Shmem) -> Option:
    """The ivshmem server's socket: QEMU is its client."""
    span = node.server.span if node.server is not None else node.span
    return Option("-chardev", Opts.of("socket", ("id", f"char{dev_id}"), ("path", path)), span)


def _legacy(node: Shmem, dev_id: str, where) -> List[Option]:
    """The legacy ivshmem device, one device with its memory's settings (QEMU < 4.0)."""
    server = node.server.path if node.server is not None else None
    msi = node.msi
    size = node.size.bytes >> 20 if node.size is not None and server is None else None
    props: list = [("id", dev_id), ("size", f"{size}m" if size else None)]
    if server is None:
        props.append(("shm", node.name))
    else:
        props += [("chardev", f"char{dev_id}"), ("msi", True if msi is not None else None),
                  ("vectors", msi.vectors if msi is not None else None),
                  ("ioeventfd", msi.ioeventfd if msi is not None else None)]
    props.append(("role", node.role.value if node.role is not None else None))
    options = [Option("-device", Opts.of("ivshmem", *props, *where), node.span)]
    if server is not None:
        options.append(_socket(dev_id, server, node))
    return options
