"""<tpm> → a TPM backend (-tpmdev) and its interface device (compiler/devices/tpm.py).

    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
    -chardev socket,id=chrtpm,path=/run/virtc/NAME/tpm0-swtpm.sock
    -tpmdev emulator,id=tpm-tpm0,chardev=chrtpm
    -device tpm-crb,tpmdev=tpm-tpm0,id=tpm0

The ids are libvirt's (chrtpm, tpm-<alias>). An emulator backend talks to a swtpm on a
socket in the runtime directory (backends/qemu/host.py): `virtc run` starts that swtpm,
and a plain `virtc compile` says so in a note (QEMU330). A passthrough backend opens the
host's TPM by path (libvirt passes it as a file descriptor instead); an external backend
connects to the socket its <source> names.
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.tpm import QEMU330, Tpm, TpmBackendType, TpmModel
from ....compiler.ir import Domain
from ..context import QemuContext
from ..host import Helper, MakeDir, Step, runtime_dir, swtpm_socket, swtpm_state
from ..opts import Option, Opts
from . import device_id, not_compiled

DRIVER = {TpmModel.TIS: "tpm-tis", TpmModel.CRB: "tpm-crb"}


def build(node: Tpm, domain: Domain, ctx: QemuContext) -> List[Option]:
    not_compiled(node, ctx, honoured=("alias",))
    dev_id = device_id(node.info, node.span, ctx)
    backend = node.backend
    if dev_id is None or backend is None:
        return []
    tpmdev = f"tpm-{dev_id}"
    options: List[Option] = []
    if backend.type is TpmBackendType.EMULATOR:
        sock = swtpm_socket(runtime_dir(domain, ctx.runtime_dir), dev_id)
        options.append(Option("-chardev", Opts.of("socket", ("id", "chrtpm"), ("path", sock)),
                              backend.span))
        options.append(Option("-tpmdev", Opts.of("emulator", ("id", tpmdev),
                                                 ("chardev", "chrtpm")), backend.span))
        if ctx.runtime_dir is None:
            ctx.diags.add(QEMU330, f"this argv expects a swtpm listening on {sock}",
                          backend.span, hint="`virtc run` starts swtpm for it; see "
                          "`virtc rule QEMU330` to start one yourself")
    elif backend.type is TpmBackendType.PASSTHROUGH:
        options.append(Option("-tpmdev", Opts.of("passthrough", ("id", tpmdev),
                                                 ("path", backend.device.path)), backend.span))
    else:
        source = backend.source
        if source is None or not source.path:       # SEM227 has said so
            return []
        options.append(Option("-chardev", Opts.of("socket", ("id", "chrtpm"),
                                                  ("path", source.path)), source.span))
        options.append(Option("-tpmdev", Opts.of("emulator", ("id", tpmdev),
                                                 ("chardev", "chrtpm")), backend.span))
    options.append(Option("-device", Opts.of(DRIVER[node.model], ("tpmdev", tpmdev),
                                             ("id", dev_id)), node.span))
    return options


def host_steps(tpm: Tpm, run_dir: str) -> List[Step]:
    """`virtc run`: a swtpm for an emulator backend, in the runtime directory."""
    backend = tpm.backend
    if backend is None or backend.type.value != "emulator":
        return []
    alias = tpm.info.alias
    state, sock = swtpm_state(run_dir, alias), swtpm_socket(run_dir, alias)
    argv = ["swtpm", "socket", "--tpmstate", f"dir={state},mode=0600",
            "--ctrl", f"type=unixio,path={sock},mode=0600", "--terminate"]
    if tpm.tpm2:
        argv.append("--tpm2")
    return [MakeDir(state, f"the state of TPM {alias}"),
            Helper("swtpm", tuple(argv), sock, f"the emulated TPM {alias} (<tpm>)", tpm.span,
                   settles=QEMU330.code)]
