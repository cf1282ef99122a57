"""<filesystem> → a 9p export (-fsdev + virtio-9p-pci) or a virtiofs share (a socket to
virtiofsd + vhost-user-fs-pci) (compiler/devices/filesystem.py).

    <filesystem accessmode='mapped'><source dir='/srv'/><target dir='share'/></filesystem>
    -fsdev local,security_model=mapped,id=fsdev-fs0,path=/srv
    -device virtio-9p-pci,id=fs0,fsdev=fsdev-fs0,mount_tag=share

    <filesystem><driver type='virtiofs'/><source dir='/srv'/><target dir='tag'/></filesystem>
    -chardev socket,id=chr-vu-fs0,path=/run/virtc/NAME/fs0-fs.sock
    -device vhost-user-fs-pci,id=fs0,chardev=chr-vu-fs0,tag=tag

The ids and socket names are libvirt's (qemuBuildFilesystemCommandLine): fsdev-<alias>,
chr-vu-<alias>, <alias>-fs.sock in the runtime directory, where `virtc run` starts virtiofsd
(backends/qemu/host.py); a plain compile says so (QEMU383). virtiofsd maps the guest's RAM,
so the guest's memory must be shared (QEMU382, as libvirt refuses it).
"""
from __future__ import annotations

from typing import Dict, List, Optional

from ....compiler.devices.filesystem import (QEMU382, QEMU383, Filesystem, FsAccessMode,
                                             FsDriverType, FsModel, FsMultidevs, FsType)
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..host import Helper, Step, runtime_dir, virtiofs_socket
from ..opts import Option, Opts
from . import device_id, not_compiled, placement

SECURITY_MODEL: Dict[FsAccessMode, str] = {
    FsAccessMode.PASSTHROUGH: "passthrough",
    FsAccessMode.MAPPED: "mapped",
    FsAccessMode.SQUASH: "none",         # libvirt's name for QEMU's security_model=none
}
MULTIDEVS: Dict[FsMultidevs, Optional[str]] = {
    FsMultidevs.DEFAULT: None, FsMultidevs.REMAP: "remap", FsMultidevs.FORBID: "forbid",
    FsMultidevs.WARN: "warn",
}
SUFFIX: Dict[FsModel, str] = {
    FsModel.VIRTIO: "", FsModel.VIRTIO_TRANSITIONAL: "-transitional",
    FsModel.VIRTIO_NON_TRANSITIONAL: "-non-transitional",
}


def build(node: Filesystem, domain: Domain, ctx: QemuContext) -> List[Option]:
    problem = _not_here(node, ctx)
    if problem is not None:
        ctx.diags.add(QEMU320, f"<filesystem> {problem[0]} is valid libvirt XML, but virtc "
                      "does not compile it for QEMU; the guest would lack the share",
                      problem[1], hint=problem[2])
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    dev_id = device_id(node.info, node.span, ctx)
    where = placement(node.info, domain, ctx, "<filesystem>")
    if dev_id is None or where is None or node.target is None or not node.target.dir:
        return []
    suffix = SUFFIX[node.model or FsModel.VIRTIO]
    if node.virtiofs:
        return _virtiofs(node, dev_id, suffix, where, domain, ctx)
    return _ninep(node, dev_id, suffix, where)


def _not_here(node: Filesystem, ctx: QemuContext):
    """(what, where, hint) for what virtc can't build, else None."""
    if node.type is not FsType.MOUNT:
        return (f"type='{node.type.value}'", node.span, "share a host directory: type='mount'")
    if node.model not in (None, FsModel.VIRTIO) and not ctx.has(Cap.VIRTIO_TRANSITIONAL):
        return (f"model='{node.model.value}'", node.span, "use model='virtio'")
    driver = node.driver.type if node.driver is not None else None
    if driver not in (None, FsDriverType.PATH, FsDriverType.VIRTIOFS):
        return (f"<driver type='{driver.value}'>", node.driver.span,
                "use <driver type='path'/> (9p) or type='virtiofs'")
    source = node.source
    if source is None or not (source.dir or (driver is FsDriverType.VIRTIOFS and source.socket)):
        return ("without <source dir>", node.span, "add <source dir='/host/dir'/>")
    if driver is FsDriverType.VIRTIOFS:
        if node.accessmode not in (None, FsAccessMode.PASSTHROUGH):
            return (f"accessmode='{node.accessmode.value}' over virtiofs", node.span,
                    "virtiofs only passes file ownership through: remove accessmode=")
        if node.readonly:
            return ("<readonly/> over virtiofs", node.span,
                    "remove <readonly/>, or share the directory over 9p")
    return None


def _ninep(node: Filesystem, dev_id: str, suffix: str, where) -> List[Option]:
    fsdev = f"fsdev-{dev_id}"
    props = [("security_model", SECURITY_MODEL[node.accessmode or FsAccessMode.PASSTHROUGH]),
             ("multidevs", MULTIDEVS[node.multidevs] if node.multidevs else None),
             ("fmode", node.fmode), ("dmode", node.dmode),
             ("id", fsdev), ("path", node.source.dir), ("readonly", True if node.readonly else None)]
    return [Option("-fsdev", Opts.of("local", *props), node.span),
            Option("-device", Opts.of(f"virtio-9p-pci{suffix}", ("id", dev_id), ("fsdev", fsdev),
                                      ("mount_tag", node.target.dir), *where), node.span)]


def _virtiofs(node: Filesystem, dev_id: str, suffix: str, where, domain: Domain,
              ctx: QemuContext) -> List[Option]:
    if not _memory_is_shared(domain):
        ctx.diags.add(QEMU382, "virtiofs maps the guest's memory into virtiofsd, but this "
                      "guest's memory is not shared", node.driver.span,
                      hint="add <memoryBacking><source type='memfd'/><access mode='shared'/>"
                      "</memoryBacking>")
        return []
    source = node.source
    if source.socket:
        sock = source.socket             # a virtiofsd the user runs
    else:
        sock = virtiofs_socket(runtime_dir(domain, ctx.runtime_dir), dev_id)
        if ctx.runtime_dir is None:
            ctx.diags.add(QEMU383, f"this argv expects a virtiofsd listening on {sock}",
                          node.driver.span, hint="`virtc run` starts virtiofsd for it; see "
                          "`virtc rule QEMU383` to start one yourself")
    chardev = f"chr-vu-{dev_id}"
    queue = node.driver.queue
    return [Option("-chardev", Opts.of("socket", ("id", chardev), ("path", sock)), source.span),
            Option("-device", Opts.of(f"vhost-user-fs-pci{suffix}", ("id", dev_id),
                                      ("chardev", chardev), ("queue-size", queue),
                                      ("tag", node.target.dir), *where), node.span)]


def _memory_is_shared(domain: Domain) -> bool:
    """As libvirt's qemuValidateDomainDefVhostUserRequireSharedMemory: every NUMA cell
    shared (its memAccess=, else <memoryBacking><access>), or, without cells, the
    <memoryBacking> access mode shared."""
    from ....compiler.memory import numa_cells

    backing = domain.memory_backing
    default = bool(backing is not None and backing.shared)
    cells = numa_cells(domain)
    if not cells:
        return default
    for cell in cells:
        access = getattr(cell, "mem_access", None)
        mode = getattr(access, "value", access)
        if mode == "private" or (mode is None and not default):
            return False
    return True


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


def host_steps(fs: Filesystem, run_dir: str) -> List[Step]:
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
                   fs.span, settles=QEMU383.code)]
