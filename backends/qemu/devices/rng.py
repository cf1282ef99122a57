"""<rng> → an rng backend object and -device virtio-rng-pci (compiler/devices/rng.py).

    <rng model='virtio'><rate bytes='1024'/><backend model='random'>/dev/urandom</backend></rng>
    -object rng-random,id=objrng0,filename=/dev/urandom
    -device virtio-rng-pci,rng=objrng0,id=rng0,max-bytes=1024,period=1000

The ids follow libvirt's: the backend object is `obj<alias>`, an egd backend's character
device `char<alias>`.
"""
from __future__ import annotations

from typing import List, Optional

from ....compiler.devices.rng import EgdType, Rng, RngBackendModel, RngModel
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import device_id, not_compiled, placement, virtio_driver_props

DRIVER = {
    RngModel.VIRTIO: "virtio-rng-pci",
    RngModel.VIRTIO_TRANSITIONAL: "virtio-rng-pci-transitional",
    RngModel.VIRTIO_NON_TRANSITIONAL: "virtio-rng-pci-non-transitional",
}


def build(node: Rng, domain: Domain, ctx: QemuContext) -> List[Option]:
    if not ctx.has(Cap.RNG):
        ctx.unsupported(node.span, "a virtio random number generator",
                        "remove <rng> or choose a newer --qemu-version")
        return []
    if node.model is not RngModel.VIRTIO and not ctx.has(Cap.VIRTIO_TRANSITIONAL):
        ctx.unsupported(node.span, f"<rng model='{node.model.value}'>", "use model='virtio'")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    dev_id = device_id(node.info, node.span, ctx)
    where = placement(node.info, domain, ctx, "<rng>")
    backend = _backend(node, f"obj{dev_id}", f"char{dev_id}", ctx)
    if dev_id is None or where is None or backend is None:
        return []
    rate = node.rate
    props = [("rng", f"obj{dev_id}"), ("id", dev_id),
             ("max-bytes", rate.bytes if rate else None),
             ("period", rate.period if rate else None)]
    props += virtio_driver_props(node.driver)
    props += where
    return backend + [Option("-device", Opts.of(DRIVER[node.model], *props), node.span)]


def _backend(node: Rng, obj_id: str, char_id: str, ctx: QemuContext) -> Optional[List[Option]]:
    backend = node.backend
    if backend is None:                     # the schema requires one; nothing to build
        return None
    if backend.model is RngBackendModel.RANDOM:
        return [Option("-object", Opts.of("rng-random", ("id", obj_id),
                                          ("filename", backend.path)), backend.span)]
    if backend.model is RngBackendModel.BUILTIN:
        if not ctx.has(Cap.RNG_BUILTIN):
            ctx.unsupported(backend.span, "<backend model='builtin'>",
                            "use <backend model='random'>/dev/urandom</backend>")
            return None
        return [Option("-object", Opts.of("rng-builtin", ("id", obj_id)), backend.span)]
    chardev = _egd_chardev(node, char_id, ctx)
    if chardev is None:
        return None
    return [chardev, Option("-object", Opts.of("rng-egd", ("id", obj_id), ("chardev", char_id)),
                            backend.span)]


def _egd_chardev(node: Rng, char_id: str, ctx: QemuContext) -> Optional[Option]:
    """The socket that reaches the EGD daemon: tcp (host, service) or unix (path)."""
    backend = node.backend
    source = backend.source
    proto = backend.protocol.type if backend.protocol is not None else None
    reachable = source is not None and (
        (backend.type is EgdType.TCP and source.service is not None)
        or (backend.type is EgdType.UNIX and source.path is not None))
    if not reachable or proto not in (None, "raw"):
        what = f"type='{backend.type.value}'" if backend.type else "no type"
        if proto not in (None, "raw"):
            what = f"<protocol type='{proto}'>"
        ctx.diags.add(QEMU320, f"an egd <backend> with {what} is valid libvirt XML, but"
                      " virtc compiles egd backends only over a tcp or unix socket with a"
                      " <source>", backend.span,
                      hint="use type='tcp' with <source host service>, or type='unix' with"
                      " <source path>")
        return None
    server = True if source.mode == "bind" else None
    if backend.type is EgdType.TCP:
        props = [("id", char_id), ("host", source.host), ("port", source.service)]
    else:
        props = [("id", char_id), ("path", source.path)]
    if server:
        props += [("server", True), ("wait", False)]
    return Option("-chardev", Opts.of("socket", *props), source.span)
