"""Make a corpus document startable on this host, in a temporary directory, the way a host
that runs it under libvirt would be set up.

The corpus was made with its files under /var/tmp/corpus (disk images, an ISO, a kernel, shared
directories, sockets). `provision()` rewrites that prefix in a copy of the document given to
virtc, and creates each file there: qcow2 or raw images as the disk's <driver type> says,
the installed Debian kernel for <kernel>. A UEFI guest's NVRAM goes in the directory too
(an <nvram> path in the copy; libvirt's own path is /var/lib/libvirt/qemu/nvram), and the
helper sockets under a runtime directory there (CompileOptions.runtime_dir, as `virtc run
--runtime-dir` gives it). Then virtc's host plan is carried out as `virtc run` would:
directories, the NVRAM copied from its template, and helpers (swtpm, virtiofsd) started
until their sockets exist. The expected data is never rewritten: tests map the corpus's
paths with `host_path()`.

Every program here (qemu-img, the helpers) starts with the environment given to
`provision()`, never an inherited one: tests provision in worker threads while pytest's
fixtures set and restore variables in os.environ (tests/conftest.py), and a child that
inherits the environment reads the C `environ` array while another thread reallocates it:
exec then fails with EFAULT ("OSError: [Errno 14] Bad address"). Given as an argument,
the environment is copied into the child's own memory before it starts.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import threading
import time
from typing import Dict, List, Optional, Tuple

from lxml import etree

from linux_guest import kernel
from virtc.pipeline import CompileOptions, Compiled, run

PREFIX = "/var/tmp/corpus/"
HELPER_DIRS = ("/usr/lib/qemu", "/usr/libexec")     # virtiofsd lives off PATH on Debian
HUGEPAGES = "/sys/kernel/mm/hugepages/hugepages-{}kB/"
HUGEPAGES_LOCK = threading.Lock()


class Provisioned:
    def __init__(self, tmp: pathlib.Path, env: Optional[Dict[str, str]] = None) -> None:
        self.tmp = tmp
        self.env = env
        self.compiled: Optional[Compiled] = None
        self.helpers: List[subprocess.Popen] = []
        self.listeners: List[Tuple[str, int]] = []
        self.errors: List[str] = []
        self.hugepages: Optional[Tuple[str, int]] = None   # (sysfs dir, pages reserved)
        self.servers: list = []             # ivshmem servers (tests/ivshmem_server.py)
        self.shm: List[str] = []            # /dev/shm objects an ivshmem-plain will make

    def host_path(self, path: Optional[str]) -> Optional[str]:
        if path and path.startswith(PREFIX):
            return str(self.tmp / "corpus" / path[len(PREFIX):])
        return path

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        for path in self.shm:
            if os.path.exists(path):
                os.unlink(path)
        if self.hugepages:
            _reserve(*self.hugepages, sign=-1)
        for proc in self.helpers:
            proc.terminate()
        for proc in self.helpers:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def provision(doc: pathlib.Path, tmp: pathlib.Path,
              env: Optional[Dict[str, str]] = None) -> Provisioned:
    """Compile a copy of `doc` for this host and prepare what its argv needs; the caller
    stops the helpers (Provisioned.stop). `env`: the environment of every program started
    (a snapshot taken in pytest's thread, when called from another; else os.environ's)."""
    out = Provisioned(tmp, dict(os.environ) if env is None else env)
    (tmp / "corpus").mkdir()
    text = doc.read_bytes().replace(PREFIX.encode(), f"{tmp}/corpus/".encode())
    root = etree.fromstring(text)
    _nvram(root, tmp)
    _files(root, out)
    out.listeners = _listeners(root)
    run_dir = tmp / "run"
    out.compiled = run(etree.tostring(root), doc.name, CompileOptions(
        target="qemu", qemu_version="7.2", runtime_dir=str(run_dir)))
    if out.compiled.ok:
        _hugepages(root, out)
        _host_plan(out, str(run_dir))
        _shared_memory(root, out)
    return out


def _shared_memory(root, out: Provisioned) -> None:
    """What a <shmem> needs on the host, as a host running it under libvirt has it: an
    ivshmem server at a doorbell's <server path> (started here), and for ivshmem-plain the
    /dev/shm object QEMU creates (removed again in stop() unless it was there before)."""
    from ivshmem_server import IvshmemServer

    for shmem in root.iter("shmem"):
        server = shmem.find("server")
        if server is not None:
            msi = shmem.find("msi")
            vectors = int(msi.get("vectors") or 1) if msi is not None else 1
            path = server.get("path") or f"/var/lib/libvirt/shmem-{shmem.get('name')}-sock"
            out.servers.append(IvshmemServer(path, vectors=vectors))
        else:
            path = f"/dev/shm/{shmem.get('name')}"
            if not os.path.exists(path):
                out.shm.append(path)


def _hugepages(root, out: Provisioned) -> None:
    """A guest backed by huge pages needs the host to have them: reserve as many as its
    RAM takes (libvirt leaves that to the administrator), and give them back in stop()."""
    backing = root.find("memoryBacking/hugepages")
    if backing is None:
        return
    from libvirt_expect import UNITS, size

    page = backing.find("page")
    page_bytes = (int(page.get("size")) * UNITS[page.get("unit", "KiB").lower()]
                  if page is not None else 2 << 20)
    sysfs = HUGEPAGES.format(page_bytes >> 10)
    pages = -(-size(root.find("memory")) // page_bytes)
    if not os.path.isdir(sysfs):
        out.errors.append(f"this host has no {page_bytes >> 10} KiB huge pages ({sysfs})")
        return
    free = _reserve(sysfs, pages, sign=1)
    out.hugepages = (sysfs, pages)
    if free < pages:
        out.errors.append(f"the host gave {free} of the {pages} huge pages the guest needs")


def _reserve(sysfs: str, pages: int, sign: int) -> int:
    """Add (sign 1) or give back (sign -1) `pages` huge pages; the free count after."""
    with HUGEPAGES_LOCK:
        path = os.path.join(sysfs, "nr_hugepages")
        total = int(pathlib.Path(path).read_text())
        pathlib.Path(path).write_text(str(max(0, total + sign * pages)))
        return int(pathlib.Path(sysfs, "free_hugepages").read_text())


def _nvram(root, tmp: pathlib.Path) -> None:
    os_el = root.find("os")
    loader = os_el.find("loader")
    if os_el.get("firmware") != "efi" and (loader is None or loader.get("type") != "pflash"):
        return
    nvram = os_el.find("nvram")
    if nvram is None:
        nvram = etree.SubElement(os_el, "nvram")
    nvram.text = str(tmp / "nvram" / "VARS.fd")


def _files(root, out: Provisioned) -> None:
    corpus = str(out.tmp / "corpus") + "/"
    for disk in root.iter("disk"):
        source = disk.find("source")
        path = source.get("file") if source is not None else None
        if not path or not path.startswith(corpus) or os.path.exists(path):
            continue
        driver = disk.find("driver")
        fmt = driver.get("type") if driver is not None else "raw"
        if fmt == "raw":
            with open(path, "wb") as fh:
                fh.truncate(64 << 20)
        else:
            subprocess.run(["qemu-img", "create", "-q", "-f", fmt, path, "64M"], check=True,
                           env=out.env)
    for fs in root.iter("filesystem"):
        source = fs.find("source")
        if source is not None and (source.get("dir") or "").startswith(corpus):
            os.makedirs(source.get("dir"), exist_ok=True)
    found = kernel()
    for tag in ("kernel", "initrd"):
        el = root.find(f"os/{tag}")
        if el is None or not (el.text or "").startswith(corpus):
            continue
        if tag == "kernel" and found:
            os.symlink(found[0], el.text)
        elif tag == "kernel":
            out.errors.append("no Debian kernel in /boot for <kernel> (linux-image-amd64)")
        else:
            pathlib.Path(el.text).write_bytes(b"\0" * 4096)   # QEMU only loads it


def _listeners(root) -> List[Tuple[str, int]]:
    """TCP servers the guest's character devices connect to (an EGD daemon's port)."""
    out = []
    for source in root.iter("source"):
        parent = source.getparent()
        if parent.get("type") == "tcp" and source.get("mode") == "connect":
            out.append((source.get("host") or "127.0.0.1", int(source.get("service"))))
    return out


def _host_plan(out: Provisioned, run_dir: str) -> None:
    from virtc.backends.qemu.host import CopyFile, Helper, MakeDir, host_plan

    for step in host_plan(out.compiled.loaded.node, run_dir):
        if isinstance(step, MakeDir):
            os.makedirs(step.path, exist_ok=True)
        elif isinstance(step, CopyFile):
            if not os.path.exists(step.target):
                shutil.copyfile(step.source, step.target)
        elif isinstance(step, Helper):
            program = shutil.which(step.program) or next(
                (p for p in (os.path.join(d, step.program) for d in HELPER_DIRS)
                 if os.access(p, os.X_OK)), None)
            if program is None:
                out.errors.append(f"{step.why} needs {step.program}, not installed")
                continue
            out.helpers.append(subprocess.Popen(
                [program, *step.argv[1:]], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=out.env))
            deadline = time.time() + 10
            while not os.path.exists(step.ready) and time.time() < deadline:
                time.sleep(0.05)
