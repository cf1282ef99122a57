"""<tpm>: a Trusted Platform Module and what implements it.

    <tpm model='tpm-crb'>
      <backend type='emulator' version='2.0'/>          a swtpm process per guest
    </tpm>
    <tpm model='tpm-tis'>
      <backend type='passthrough'><device path='/dev/tpm0'/></backend>    the host's TPM
    </tpm>
    <tpm model='tpm-tis'>
      <backend type='external'><source type='unix' mode='connect' path='/run/swtpm.sock'/></backend>
    </tpm>

Schema: schemas/domain/tpm.xsd. Builder: backends/qemu/devices/tpm.py. `virtc run` starts
swtpm for an emulator backend (cli/run.py).
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from ..diagnostics import Diagnostics, Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Info, yes_no
from ..node import Choice, Node, replace


class TpmModel(Choice):
    TIS = "tpm-tis"
    CRB = "tpm-crb"


class TpmBackendType(Choice):
    PASSTHROUGH = "passthrough"
    EMULATOR = "emulator"
    EXTERNAL = "external"


class TpmDevice(Node):
    """<device path=…>: the host TPM a passthrough backend uses."""

    TAG: ClassVar[str] = "device"
    XML: ClassVar[tuple] = (Attr("path", "path"),)
    path: Optional[str] = None
    span: Span = NOWHERE


class TpmSource(Node):
    """<source type='unix' mode='connect' path=…>: the socket of an external swtpm."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (Attr("type", "type"), Attr("mode", "mode"), Attr("path", "path"))
    type: Optional[str] = None
    mode: Optional[str] = None
    path: Optional[str] = None
    span: Span = NOWHERE


class TpmBackend(Node):
    """<backend type=…>: passthrough (<device>), emulator (version=…) or external (<source>)."""

    TAG: ClassVar[str] = "backend"
    XML: ClassVar[tuple] = (
        Attr("type", "type", TpmBackendType),
        Attr("version", "version"),
        Attr("persistent_state", "persistent_state", yes_no),
        Child("device", TpmDevice),
        Child("source", TpmSource),
    )
    type: TpmBackendType = TpmBackendType.EMULATOR
    version: Optional[str] = None          # "1.2" or "2.0"
    persistent_state: Optional[bool] = None
    device: Optional[TpmDevice] = None
    source: Optional[TpmSource] = None
    span: Span = NOWHERE


class Tpm(Node):
    """One <tpm>."""

    TAG: ClassVar[str] = "tpm"
    XML: ClassVar[tuple] = (
        Attr("model", "model", TpmModel),
        Child("backend", TpmBackend),
        Info(),
    )
    model: Optional[TpmModel] = None
    backend: Optional[TpmBackend] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def tpm2(self) -> bool:
        return self.backend is not None and self.backend.version == "2.0"


NODE = Tpm

SEM226 = Code("SEM226", Severity.ERROR)
SEM227 = Code("SEM227", Severity.ERROR)
QEMU330 = Code("QEMU330", Severity.INFO)       # reported by backends/qemu/devices/tpm.py

# The host TPM a passthrough backend uses when <device> doesn't say (libvirt's parser).
DEFAULT_PASSTHROUGH_PATH = "/dev/tpm0"


def rules():
    from ..rules import Rule

    return (
        Rule(SEM226, "tpm-more-than-one",
             "A domain has more than one <tpm> device (other than an spapr-tpm-proxy).",
             "A guest has one TPM. libvirt refuses the domain: \"only a single TPM non-proxy "
             "device is supported\".",
             "<tpm model='tpm-tis'>…</tpm> <tpm model='tpm-crb'>…</tpm>",
             "keep one <tpm>"),
        Rule(SEM227, "tpm-backend-parts",
             "A <tpm> backend lacks what its type needs: an external backend without "
             "<source path>, or TPM 1.2 on a tpm-crb (a TPM 2.0-only interface).",
             "libvirt refuses these when it defines or starts the domain: there is no TPM to "
             "connect to, or the guest would get an interface its TPM can't implement.",
             "<tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm>",
             "give an external backend <source type='unix' mode='connect' path=…/>; use "
             "version='2.0' with tpm-crb, or model='tpm-tis' for TPM 1.2"),
        Rule(QEMU330, "tpm-emulator-needs-swtpm",
             "The argv of a guest with an emulated TPM (<backend type='emulator'>) connects to "
             "a swtpm socket that something must start first.",
             "libvirt starts one swtpm per guest; plain QEMU fails at start (\"Failed to "
             "connect to socket\") when nothing listens there.",
             "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>",
             "start the guest with `virtc run`, which starts swtpm and stops it afterwards; "
             "or start `swtpm socket --ctrl type=unixio,path=PATH --tpmstate dir=DIR "
             "--terminate [--tpm2]` yourself"),
    )


def postparse(node: Tpm, index: int, domain) -> Tpm:
    """Defaults, each as libvirt 9.0 applies it on x86 (checked with `virsh define` and
    `virsh dumpxml --inactive`):

    - model: tpm-tis;
    - an emulator backend's version: 2.0 for tpm-crb, 1.2 for tpm-tis; another backend's
      version= is dropped (the host's TPM is what it is; libvirt drops it too);
    - a passthrough backend's device: /dev/tpm0;
    - alias: `tpm<N>`, N counting the <tpm> devices (libvirt's qemuAssignDeviceAliases).
    """
    model = node.model or TpmModel.TIS
    backend = node.backend
    if backend is not None:
        if backend.type is not TpmBackendType.EMULATOR and backend.version is not None:
            backend = replace(backend, version=None)
        if backend.type is TpmBackendType.EMULATOR and backend.version is None:
            backend = replace(backend, version="2.0" if model is TpmModel.CRB else "1.2")
        if backend.type is TpmBackendType.PASSTHROUGH and (
                backend.device is None or backend.device.path is None):
            device = backend.device or TpmDevice(span=backend.span)
            backend = replace(backend, device=replace(device, path=DEFAULT_PASSTHROUGH_PATH))
    return replace(node, model=model, backend=backend,
                   info=replace(node.info, alias=node.info.alias or f"tpm{index}"))


def check_all(nodes: Tuple[Tpm, ...], domain, diags: Diagnostics) -> None:
    if len(nodes) > 1:
        diags.add(SEM226, f"{len(nodes)} <tpm> devices: a guest has one TPM", nodes[1].span,
                  hint="keep one <tpm>")
    for node in nodes:
        backend = node.backend
        if backend is None:
            continue
        if backend.type is TpmBackendType.EXTERNAL and (
                backend.source is None or not backend.source.path):
            diags.add(SEM227, "<backend type='external'> has no <source path>: there is no "
                      "swtpm to connect to", backend.span,
                      hint="add <source type='unix' mode='connect' path='/run/swtpm.sock'/>")
        elif node.model is TpmModel.CRB and backend.version == "1.2":
            diags.add(SEM227, "tpm-crb is a TPM 2.0 interface; it can't carry a TPM 1.2",
                      backend.span, hint="use version='2.0', or model='tpm-tis'")
