"""What plain QEMU needs on the host before it starts, where libvirtd would prepare it.

libvirt's start does more than exec QEMU: it copies the UEFI variable store from its
template, starts a swtpm per emulated TPM, and creates the directories of the sockets it
hands QEMU. `host_plan(domain, runtime_dir)` lists those steps for one domain, in order;
`virtc run` carries them out (cli/run.py), and `virtc run --dry-run` prints them as shell
commands. A family whose devices need a helper process gives its QEMU builder module a
`host_steps(node, run_dir)` (backends/qemu/devices/tpm.py: swtpm; filesystem.py:
virtiofsd), so a new helper touches only its family's home. The builders and the plan take
socket paths from the same functions here, so the argv and the helpers always agree.

The runtime directory holds what lives only while the guest runs (helper sockets, the
swtpm state of a TPM whose state isn't kept): `virtc run` makes a fresh one and removes it
afterwards; `virtc compile` names `/run/virtc/<name>` (DEFAULT_RUNTIME_ROOT).
"""
from __future__ import annotations

import os
from typing import List, Optional, Tuple, Union

from ...compiler.ir import NOWHERE, Domain
from ...compiler.diagnostics import Span
from ...compiler.node import Node

DEFAULT_RUNTIME_ROOT = "/run/virtc"


def runtime_dir(domain: Domain, given: Optional[str] = None) -> str:
    return given or os.path.join(DEFAULT_RUNTIME_ROOT, domain.name)


def swtpm_socket(run_dir: str, alias: str) -> str:
    """The control socket of the swtpm serving the TPM `alias` (libvirt: <alias>-swtpm.sock)."""
    return os.path.join(run_dir, f"{alias}-swtpm.sock")


def swtpm_state(run_dir: str, alias: str) -> str:
    return os.path.join(run_dir, f"{alias}-swtpm")


def virtiofs_socket(run_dir: str, alias: str) -> str:
    """The vhost-user socket of the virtiofsd serving filesystem `alias` (libvirt:
    <alias>-fs.sock)."""
    return os.path.join(run_dir, f"{alias}-fs.sock")


class MakeDir(Node):
    """Create a directory (and its parents) that QEMU or a helper puts a socket in."""

    path: str
    why: str


class CopyFile(Node):
    """Copy `source` to `target` unless `target` exists (libvirt's NVRAM from its template)."""

    source: str
    target: str
    why: str
    span: Span = NOWHERE


class Helper(Node):
    """A process QEMU connects to: started before QEMU, ready once `ready` (a socket path)
    exists, stopped after QEMU. `program` is the executable looked up on PATH. `settles` is
    the code of the compile note that says the argv expects this helper (QEMU330 for swtpm):
    `virtc run` starts the helper itself, so it doesn't print that note."""

    program: str
    argv: Tuple[str, ...]
    ready: str
    why: str
    span: Span = NOWHERE
    settles: Optional[str] = None


Step = Union[MakeDir, CopyFile, Helper]


def host_plan(domain: Domain, run_dir: str) -> List[Step]:
    """The steps before QEMU starts, in order: directories, file copies, then helpers."""
    steps: List[Step] = [MakeDir(run_dir, "runtime directory: helper sockets and state")]
    steps += _nvram(domain)
    steps += _socket_dirs(domain, run_dir)
    # A device family whose devices need a helper process says so in its QEMU builder
    # module: `host_steps(node, run_dir)` (tpm: swtpm, filesystem: virtiofsd).
    from .devices import builder_hook

    for node in domain.devices.families:
        hook = builder_hook(node, "host_steps")
        if hook is not None:
            steps += hook(node, run_dir)
    return steps


def _nvram(domain: Domain) -> List[Step]:
    """A UEFI guest's variable store, copied from its template when it doesn't exist yet
    (post-parse has filled in libvirt's path and the firmware's template)."""
    nvram = domain.os.nvram
    if nvram is None or not nvram.path or not nvram.template:
        return []
    return [MakeDir(os.path.dirname(nvram.path) or ".", "the NVRAM file's directory"),
            CopyFile(nvram.template, nvram.path, "the UEFI variable store, from its template",
                     nvram.span)]


def _socket_dirs(domain: Domain, run_dir: str) -> List[Step]:
    """The directories of the unix sockets QEMU listens on (mode='bind' character devices)."""
    seen = {run_dir}
    steps: List[Step] = []
    for node in domain.devices.families:
        source = getattr(node, "source", None)
        path = getattr(source, "path", None)
        if getattr(getattr(node, "type", None), "value", None) != "unix" or not path:
            continue
        if getattr(source, "mode", None) not in ("bind", None) or not os.path.isabs(path):
            continue
        folder = os.path.dirname(path)
        if folder not in seen:
            seen.add(folder)
            steps.append(MakeDir(folder, f"the socket directory of <{node.TAG}>"))
    return steps


def qmp_options(path: str):
    """A QMP monitor on a unix socket QEMU listens on, as libvirt adds its own monitor."""
    from .opts import Option, Opts

    return [Option("-chardev", Opts.of("socket", ("id", "qmp"), ("path", path),
                                       ("server", True), ("wait", False))),
            Option("-mon", Opts.of(None, ("chardev", "qmp"), ("mode", "control")))]
