"""<rng>: a virtio random number generator and where its entropy comes from.

    <rng model='virtio'>
      <rate bytes='1024' period='1000'/>
      <backend model='random'>/dev/urandom</backend>
    </rng>
    <rng model='virtio'>
      <backend model='egd' type='tcp'>
        <source mode='connect' host='127.0.0.1' service='1234'/>
        <protocol type='raw'/>
      </backend>
    </rng>
    <rng model='virtio'><backend model='builtin'/></rng>

Schema: schemas/domain/rng.xsd. Builder: backends/qemu/devices/rng.py.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .virtio import VirtioDriver
from .xmlmap import Attr, Child, Info, Text
from ..node import Choice, Node, replace


class RngModel(Choice):
    VIRTIO = "virtio"
    VIRTIO_TRANSITIONAL = "virtio-transitional"
    VIRTIO_NON_TRANSITIONAL = "virtio-non-transitional"


class RngBackendModel(Choice):
    RANDOM = "random"      # a host device, read by QEMU
    EGD = "egd"            # an EGD daemon, reached through a character device
    BUILTIN = "builtin"    # QEMU's own generator


class EgdType(Choice):
    """The character device types an egd backend can use (libvirt's whole list)."""

    DEV = "dev"
    FILE = "file"
    PIPE = "pipe"
    UNIX = "unix"
    TCP = "tcp"
    UDP = "udp"
    NULL = "null"
    STDIO = "stdio"
    VC = "vc"
    PTY = "pty"
    SPICEVMC = "spicevmc"
    SPICEPORT = "spiceport"
    NMDM = "nmdm"
    QEMU_VDAGENT = "qemu-vdagent"
    DBUS = "dbus"


class EgdSource(Node):
    """<source> of an egd backend: a socket path, or a host and service."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (
        Attr("mode", "mode"),
        Attr("path", "path"),
        Attr("host", "host"),
        Attr("service", "service"),
    )
    mode: Optional[str] = None       # connect (the default) or bind
    path: Optional[str] = None
    host: Optional[str] = None
    service: Optional[str] = None
    span: Span = NOWHERE


class EgdProtocol(Node):
    TAG: ClassVar[str] = "protocol"
    XML: ClassVar[tuple] = (Attr("type", "type"),)
    type: Optional[str] = None       # raw, telnet, telnets, tls
    span: Span = NOWHERE


class RngBackend(Node):
    """<backend model=…>: the host device path (random), or a character device (egd)."""

    TAG: ClassVar[str] = "backend"
    XML: ClassVar[tuple] = (
        Attr("model", "model", RngBackendModel),
        Attr("type", "type", EgdType),
        Text("path"),
        Child("source", EgdSource),
        Child("protocol", EgdProtocol),
    )
    model: RngBackendModel = RngBackendModel.RANDOM
    type: Optional[EgdType] = None
    path: Optional[str] = None
    source: Optional[EgdSource] = None
    protocol: Optional[EgdProtocol] = None
    span: Span = NOWHERE


class RngRate(Node):
    """<rate bytes period>: at most `bytes` per `period` milliseconds."""

    TAG: ClassVar[str] = "rate"
    XML: ClassVar[tuple] = (Attr("bytes", "bytes", int), Attr("period", "period", int))
    bytes: int = 0
    period: Optional[int] = None
    span: Span = NOWHERE


class Rng(Node):
    """One <rng>."""

    TAG: ClassVar[str] = "rng"
    XML: ClassVar[tuple] = (
        Attr("model", "model", RngModel),
        Child("rate", RngRate),
        Child("backend", RngBackend),
        Child("driver", VirtioDriver),
        Info(),
    )
    model: RngModel = RngModel.VIRTIO
    rate: Optional[RngRate] = None
    backend: Optional[RngBackend] = None
    driver: Optional[VirtioDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Rng

# The codes this family reports; their documentation is in rules() below.
SEM225 = Code("SEM225", Severity.ERROR)

# Default for a random backend without a path: what libvirt 9.0 writes back
# (`virsh dumpxml` of <backend model='random'/> shows /dev/random).
DEFAULT_RANDOM_PATH = "/dev/random"
# libvirt always gives QEMU a period with max-bytes: 1000 ms unless <rate period> says
# otherwise (QEMU's own default would be 65536 ms).
DEFAULT_RATE_PERIOD_MS = 1000


def rules():
    """The rules this family reports (built on demand: the text is only for the registry)."""
    from ..rules import Rule

    return (
        Rule(SEM225, "rng-egd-without-type",
             "an <rng> egd backend does not say which character device reaches the daemon",
             "libvirt refuses the domain (\"missing EGD backend type\"): without type= there is"
             " no way to reach the EGD daemon.",
             "<rng model='virtio'><backend model='egd'>"
             "<source mode='connect' host='127.0.0.1' service='1234'/></backend></rng>",
             "add type='tcp' (host and service) or type='unix' (path) to <backend>"),
    )


def postparse(node: Rng, index: int, domain) -> Rng:
    """Defaults, each as libvirt applies it:

    - alias: `rng<N>`, N counting the <rng> devices (libvirt's qemuAssignDeviceAliases);
    - a random backend without a path reads /dev/random (libvirt's parser);
    - a <rate> without period= limits per 1000 ms (libvirt's command line builder).
    """
    backend, rate = node.backend, node.rate
    if backend is not None and backend.model is RngBackendModel.RANDOM and backend.path is None:
        backend = replace(backend, path=DEFAULT_RANDOM_PATH)
    if rate is not None and rate.period is None:
        rate = replace(rate, period=DEFAULT_RATE_PERIOD_MS)
    return replace(node, backend=backend, rate=rate,
                   info=replace(node.info, alias=node.info.alias or f"rng{index}"))


def check(node: Rng, diags: Diagnostics) -> None:
    backend = node.backend
    if backend is not None and backend.model is RngBackendModel.EGD and backend.type is None:
        diags.add(SEM225, "<backend model='egd'> has no type=: libvirt can't tell how to"
                  " reach the EGD daemon", backend.span,
                  hint="add type='tcp' with <source host service>, or type='unix' with"
                  " <source path>")
