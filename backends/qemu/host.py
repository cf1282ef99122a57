"""What plain QEMU needs on the host before it starts, where libvirtd would prepare it.

libvirt's start does more than exec QEMU: it copies the UEFI variable store from its
template, starts a swtpm per emulated TPM, and creates the directories of the sockets it
hands QEMU. `host_plan(domain, runtime_dir)` lists those steps for one domain, in order;
`virtc run` carries them out (cli/run.py), and `virtc run --dry-run` prints them as shell
commands. The QEMU builders and the plan take socket paths from the same functions here,
so the argv and the helpers it talks to always agree.

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
    exists, stopped after QEMU. `program` is the executable looked up on PATH."""

    program: str
    argv: Tuple[str, ...]
    ready: str
    why: str
    span: Span = NOWHERE


Step = Union[MakeDir, CopyFile, Helper]


def host_plan(domain: Domain, run_dir: str) -> List[Step]:
    """The steps before QEMU starts, in order: directories, file copies, then helpers."""
    steps: List[Step] = [MakeDir(run_dir, "runtime directory: helper sockets and state")]
    steps += _nvram(domain)
    steps += _socket_dirs(domain, run_dir)
    for tpm in _tpms(domain):
        steps += _swtpm(tpm, run_dir)
    for fs in domain.devices.families:
        if fs.TAG == "filesystem":
            steps += _virtiofsd(fs, run_dir)
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


def _tpms(domain: Domain):
    return [n for n in domain.devices.families if n.TAG == "tpm"]


def _swtpm(tpm, run_dir: str) -> List[Step]:
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
            Helper("swtpm", tuple(argv), sock, f"the emulated TPM {alias} (<tpm>)", tpm.span)]


# Where distributions install virtiofsd off PATH: Debian's virtiofsd package and Fedora
# (/usr/libexec), and QEMU 7.2's own C virtiofsd (Debian's qemu-system-common).
VIRTIOFSD_PLACES = ("/usr/libexec/virtiofsd", "/usr/lib/qemu/virtiofsd")


def virtiofsd_program(binary_path: Optional[str]) -> str:
    """The virtiofsd to run: <binary path>, else the one on PATH, else where a distribution
    puts it; "virtiofsd" when there is none (`virtc run` then stops with RUN602)."""
    import shutil

    if binary_path:
        return binary_path
    for candidate in ("virtiofsd", *VIRTIOFSD_PLACES):
        found = shutil.which(candidate)
        if found:
            return found
    return "virtiofsd"


def _virtiofsd(fs, run_dir: str) -> List[Step]:
    """A virtiofsd per virtiofs share, with libvirt's options from <binary> (its
    qemuVirtioFSBuildCommandLine): `-o source=` is understood by both the C virtiofsd of
    QEMU <= 7.2 and the Rust one, where --shared-dir is the Rust one's only."""
    if not fs.virtiofs or fs.source is None or not fs.source.dir or fs.source.socket:
        return []
    alias, binary = fs.info.alias, fs.binary
    sock = virtiofs_socket(run_dir, alias)
    argv = [virtiofsd_program(binary.path if binary else None), f"--socket-path={sock}",
            "-o", f"source={fs.source.dir}"]
    if binary is not None:
        if binary.cache is not None and binary.cache.mode:
            argv += ["-o", f"cache={binary.cache.mode}"]
        if binary.sandbox is not None and binary.sandbox.mode:
            argv += ["-o", f"sandbox={binary.sandbox.mode}"]
        if binary.xattr is not None:
            argv += ["-o", "xattr" if binary.xattr else "no_xattr"]
        lock = binary.lock
        if lock is not None and lock.posix is not None:
            argv += ["-o", "posix_lock" if lock.posix else "no_posix_lock"]
        if lock is not None and lock.flock is not None:
            argv += ["-o", "flock" if lock.flock else "no_flock"]
        if binary.thread_pool is not None and binary.thread_pool.size is not None:
            argv.append(f"--thread-pool-size={binary.thread_pool.size}")
    return [Helper(argv[0], tuple(argv), sock, f"the virtiofs share {alias} (<filesystem>)",
                   fs.span)]


def qmp_options(path: str):
    """A QMP monitor on a unix socket QEMU listens on, as libvirt adds its own monitor."""
    from .opts import Option, Opts

    return [Option("-chardev", Opts.of("socket", ("id", "qmp"), ("path", path),
                                       ("server", True), ("wait", False))),
            Option("-mon", Opts.of(None, ("chardev", "qmp"), ("mode", "control")))]
