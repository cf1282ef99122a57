"""Real QEMU confirms the devices of every corpus document that compiles (issue 12, must-show 2).

Every document of tests/corpus/dumpxml (`virsh dumpxml --inactive` of libvirt 9.0, with the
addresses libvirt assigned) and tests/corpus/print-xml (virt-install's documents before
libvirt saw them) that `virtc.compile(path, qemu_version='7.2')` accepts starts in the real
qemu-system-x86_64, once, paused, with a QMP socket (tests/qemu_harness.py), its files made
in a temporary directory (tests/corpus_host.py). Then, in one QMP session:

- query-pci: every device that has a PCI <address> in libvirt's dumpxml form is at that
  slot and function, on the bus behind the controller libvirt's bus number names, with
  QEMU's vendor, device and class ids for its model; and no device is anywhere else. The
  firmware runs until it has numbered the bridges (Guest.number_pci_buses), because QEMU
  lists a bridge's devices by the bus number the firmware writes;
- query-block: each <disk> by libvirt's device id (virtio-disk0, sata0-0-0, …), its file,
  format, read-only flag, and for a CD-ROM its tray;
- query-chardev: each serial port, console, parallel port and channel by libvirt's chardev
  id (charserial0, charchannel0, …) with its backend kind;
- query-cpus-fast: the online vCPUs with their socket/die/core/thread ids from <topology>,
  and query-hotpluggable-cpus every possible one (<vcpu> above current=);
- query-memory-size-summary: the base memory is <memory> (in its unit) less DIMMs.

Everything expected is read from libvirt's XML (tests/libvirt_expect.py), never from virtc's
argv. A print-xml document is checked against its dumpxml twin: virtc must assign the
addresses libvirt did. Where virtc differs from libvirt on purpose, the difference is a row
of docs/libvirt-differences.md ("Real QEMU over the corpus"), which this test reads: the
keys there and the exceptions here must be the same set.

Accelerator: TCG. This machine's /dev/kvm opens, but KVM hangs or refuses guests (nested
KVM without SMM: OVMF's secure-boot builds stop at "System Management Mode not
supported"), so KVM documents run under TCG, and `-cpu host` (host-passthrough, only KVM
has it) becomes `-cpu max`, what TCG offers of the host's CPU. The one exception is an argv
QEMU refuses under TCG (KVM_ONLY: an intel-iommu with eim=on needs KVM's split irqchip),
which runs under KVM as written. Nothing else of the argv changes but the harness's `-S`
and `-qmp`, and a device this host can't back (HOST_GAPS: vhost-vsock without the host's
/dev/vhost-vsock), which is left out with a warning naming it and its expected address.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import tempfile
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Dict, List, Optional

import pytest
from lxml import etree

import libvirt_expect as expect
import virtc
from corpus_host import Provisioned, provision
from qemu_harness import Guest, QemuResult, kvm_usable, needs_qemu, run_guests, to_tcg

ROOT = pathlib.Path(__file__).parent
CORPUS = ROOT / "corpus"
DOCS = [p for form in ("dumpxml", "print-xml") for p in sorted((CORPUS / form).glob("*.xml"))]
COMPILING = [p for p in DOCS if virtc.compile(p, qemu_version="7.2").ok]
# How many corpus documents compile at least: raise it as device families land, so that a
# change that stops documents compiling fails here instead of shrinking this test.
FLOOR = 126

QUERIES = ("query-chardev", "query-cpus-fast", "query-hotpluggable-cpus",
           "query-memory-size-summary")


def doc_id(path: pathlib.Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# --------------------------------------------------------------- the allow-list (docs)

DIFFERENCES = ROOT.parent / "docs" / "libvirt-differences.md"
SECTION = "## Real QEMU over the corpus"


def allowed() -> Dict[str, str]:
    """`qmp:key` → reason, from the table in docs/libvirt-differences.md."""
    text = DIFFERENCES.read_text(encoding="utf-8")
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0] if SECTION in text else ""
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r"^\| `(qmp:[a-z0-9-]+)` \|[^|]*\|(.*)\|\s*$", body, re.M)}


# `qmp:key` → a function(printed document, want) that takes the difference out of `want`;
# each key is a row of the docs' table, with its reason (none today).
EXCEPTIONS: Dict[str, Callable] = {}


def test_every_allowed_difference_is_documented_with_a_reason():
    documented = allowed()
    assert set(documented) == set(EXCEPTIONS), (sorted(documented), sorted(EXCEPTIONS))
    assert all(documented.values())


def test_the_corpus_keeps_compiling():
    """The set below runs in QEMU; it may only grow."""
    assert len(COMPILING) >= FLOOR, [doc_id(p) for p in COMPILING]


# --------------------------------------------------------------------- running QEMU

# argv words QEMU refuses under TCG → why; such a document runs under KVM
KVM_ONLY = {r'(^intel-iommu,|"driver":"intel-iommu").*\beim(=on|":"on"|":true)':
            "intel-iommu's eim=on needs KVM's split irqchip"}
# -device drivers a host may lack the kernel side of → (the host file, the XML element)
HOST_GAPS = {"vhost-vsock-pci": ("/dev/vhost-vsock", "vsock")}


class Run:
    def __init__(self, host: Provisioned, qemu: Optional[QemuResult],
                 left_out: tuple = ()) -> None:
        self.host, self.qemu = host, qemu
        self.left_out = left_out         # XML element names of devices left out

    @property
    def replies(self) -> Dict:
        return self.qemu.replies if self.qemu else {}


COMPILE_LOCK = threading.Lock()       # virtc's compile shares one libxml2 schema


def start(doc: pathlib.Path, env: Dict[str, str]) -> Run:
    """Runs in a worker thread: every program it starts gets `env`, pytest's environment
    taken in pytest's thread (corpus_host.py says why)."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="virtc-qmp-"))
    try:
        with COMPILE_LOCK:
            host = provision(doc, tmp, env)
        compiled = host.compiled
        if not compiled.ok or host.errors:
            return Run(host, None)
        argv, left_out = without_host_gaps(list(compiled.output))
        kvm = kvm_usable() and any(re.search(p, w) for p in KVM_ONLY for w in argv)
        argv = argv if kvm else tcg(argv)
        # the bridges the NICs' -netdev bridge names (key=value, or JSON in 7.2+libvirt)
        bridges = sorted({m.group(1) or m.group(2) for w in argv
                          for m in re.finditer(r'\bbr=([^,]+)|"br":"([^"]+)"', w)})
        uefi = any("pflash0" in w for w in argv)
        guest = Guest(argv, queries=QUERIES, number_pci_buses=True)
        # SPICE resolves its listen address with AI_ADDRCONFIG, which finds no IPv4 in a
        # namespace that has only loopback: one documentation address makes it resolve
        qemu = run_guests([guest], bridges=bridges, listeners=host.listeners,
                          addresses=("192.0.2.1",), timeout=240.0 if uefi else 60.0,
                          env=env)[0]
        return Run(host, qemu, left_out)
    finally:
        if "host" in locals():
            host.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def without_host_gaps(argv: List[str]):
    """The argv without the devices this host can't back, and those devices' elements."""
    out: List[str] = []
    left_out = []
    for word in argv:
        # key=value or JSON -device (the qemu-json dialect)
        driver = re.match(r'\{"driver":"([^"]+)"|([^,]+)', word)
        gap = (HOST_GAPS.get(driver.group(1) or driver.group(2))
               if out and out[-1] == "-device" and driver else None)
        if gap and not os.path.exists(gap[0]):
            out.pop()
            left_out.append(gap[1])
            continue
        out.append(word)
    return out, tuple(left_out)


def tcg(argv: List[str]) -> List[str]:
    words = to_tcg(argv)
    for i, word in enumerate(words[:-1]):
        if word == "-cpu" and (words[i + 1] == "host" or words[i + 1].startswith("host,")):
            words[i + 1] = "max" + words[i + 1][len("host"):]
    return words


@pytest.fixture(scope="module")
def runs(request):
    """One QEMU per selected document, two at a time (the machine has two cores), started
    in the order the tests ask for them."""
    wanted: List[pathlib.Path] = []
    for item in request.session.items:
        doc = getattr(item, "callspec", None) and item.callspec.params.get("doc")
        if doc is not None and item.module is request.module and doc not in wanted:
            wanted.append(doc)
    env = dict(os.environ)
    pool = ThreadPoolExecutor(max_workers=2)
    futures: Dict[pathlib.Path, Future] = {doc: pool.submit(start, doc, env) for doc in wanted}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def started(runs, doc) -> Run:
    run = runs[doc].result()
    assert run.host.compiled.ok, [str(d) for d in run.host.compiled.diagnostics]
    assert not run.host.errors, run.host.errors
    assert run.qemu.started, run.qemu.stderr
    return run


def libvirt_form(doc: pathlib.Path):
    """The document libvirt's facts come from: the dumpxml twin of a print-xml document."""
    return etree.parse(str(CORPUS / "dumpxml" / doc.name)).getroot()


needs_docs = pytest.mark.parametrize("doc", COMPILING, ids=doc_id)


# --------------------------------------------------------------------------- the tests

@needs_qemu
@needs_docs
def test_query_pci_shows_each_device_where_libvirt_put_it(runs, doc):
    run = started(runs, doc)
    want = expect.pci(libvirt_form(doc))
    if doc.parent.name == "print-xml":
        printed = etree.parse(str(doc)).getroot()
        for fix in EXCEPTIONS.values():
            fix(printed, want)
    for path, (label, _) in list(want.items()):
        tag = label[1:].split(" ", 1)[0]
        if tag in run.left_out:
            gap = next(g for g in HOST_GAPS.values() if g[1] == tag)
            warnings.warn(f"{doc_id(doc)}: {label} at {show(path)} not checked: this host "
                          f"has no {gap[0]}")
            del want[path]
    got = pci_tree(run.replies["query-pci"])
    q35 = any("q35" in w for w in run.qemu.argv)
    # the chipset's own functions: the host bridge, and the ISA bridge, IDE and power
    # management (PIIX3/PIIX4 on pc: libvirt lists the IDE controller only when a disk
    # uses it) or the LPC bridge and SMBus (ICH9 on q35)
    chipset = {((0, 0),), ((0x1F, 0),), ((0x1F, 3),)} if q35 else {
        ((0, 0),), ((1, 0),), ((1, 1),), ((1, 3),)}
    missing = {want[p][0]: show(p) for p in want if p not in got}
    extra = {show(p): got[p] for p in got if p not in want and p not in chipset}
    assert not missing and not extra, (missing, extra)
    wrong = {want[p][0]: (show(p), got[p], want[p][1]) for p in want if got[p][:3] != want[p][1]}
    assert not wrong, wrong


def pci_tree(buses) -> Dict[expect.Path, tuple]:
    """query-pci as path → (vendor, device, class, qdev id), walking into each bridge."""
    assert isinstance(buses, list), buses
    out: Dict[expect.Path, tuple] = {}

    def walk(devices, prefix):
        for dev in devices:
            path = prefix + ((dev["slot"], dev["function"]),)
            out[path] = (dev["id"]["vendor"], dev["id"]["device"],
                         dev["class_info"]["class"], dev.get("qdev_id"))
            bridge = dev.get("pci_bridge")
            if bridge:
                walk(bridge.get("devices", []), path)

    for bus in buses:
        walk(bus["devices"], ())
    return out


def show(path: expect.Path) -> str:
    return " > ".join(f"{s:02x}.{f}" for s, f in path)


@needs_qemu
@needs_docs
def test_query_block_shows_each_disk(runs, doc):
    run = started(runs, doc)
    block = run.qemu.block
    seen = set()
    for disk in expect.disks(libvirt_form(doc)):
        entry = next((b for b in block if names(b, disk)), None)
        assert entry is not None, (disk, [b.get("qdev") for b in block])
        seen.add(id(entry))
        inserted = entry.get("inserted")
        assert entry["removable"] == disk.removable, (disk, entry)
        if disk.file is None:
            assert inserted is None and entry.get("tray_open") is False, (disk, entry)
            continue
        assert inserted is not None, (disk, entry)
        image = inserted["image"]
        while image["format"] in FILTERS:
            image = image["backing-image"]
        assert image["filename"] == run.host.host_path(disk.file), (disk, inserted)
        assert inserted["ro"] == disk.read_only, (disk, inserted)
        if disk.fmt:
            assert image["format"] == disk.fmt, (disk, inserted)
    # Nothing else but the UEFI flash (the code and the variable store)
    others = [b.get("qdev") or b["device"] for b in block if id(b) not in seen]
    assert all("pflash" in o or "system.flash" in o for o in others), others


# Block filters between the guest's device and its image: `<iotune>` may be a throttle
# node (libvirt sets the same limits over QMP instead: block_set_io_throttle)
FILTERS = ("throttle", "copy-on-read")


def names(entry: Dict, disk: expect.Disk) -> bool:
    """The block device of `disk`: its QEMU device has libvirt's id (qdev is the id, or the
    QOM path below it for virtio-blk's inner device). An IDE disk given as `-drive if=ide`
    (the seed-era form, no device id) is found by QEMU's name for that drive, which is the
    same bus and unit: ide<bus>-hd<unit> or ide<bus>-cd<unit>."""
    qdev = entry.get("qdev") or ""
    if qdev == disk.qdev or qdev.startswith(f"/machine/peripheral/{disk.qdev}/"):
        return True
    m = re.fullmatch(r"ide0-(\d+)-(\d+)", disk.qdev)
    return m is not None and entry["device"] == (
        f"ide{m.group(1)}-{'cd' if disk.removable else 'hd'}{m.group(2)}")


@needs_qemu
@needs_docs
def test_query_chardev_shows_each_serial_port_console_and_channel(runs, doc):
    run = started(runs, doc)
    got = {c["label"]: c["filename"] for c in run.replies["query-chardev"]}
    want = expect.chardevs(libvirt_form(doc))
    for dev in want:
        assert dev.id in got, (dev, sorted(got))
        assert backend_matches(dev.kind, got[dev.id], run.host.host_path(dev.path)), (
            dev, got[dev.id])
    ours = {label for label in got if re.fullmatch(r"char(serial|parallel|console|channel)\d+",
                                                   label)}
    assert ours == {d.id for d in want}, (sorted(ours), want)


def backend_matches(kind: str, filename: str, path: Optional[str]) -> bool:
    """query-chardev's filename names the backend: `pty:/dev/pts/3`, `unix:PATH,server=on`
    (`disconnected:unix:…` until a client connects), `tcp:HOST:PORT…`, and only the kind
    for `file`, `udp`, `null`, `spicevmc`, `spiceport`, `qemu-vdagent` (QEMU 7.2)."""
    name = filename.removeprefix("disconnected:")
    if kind in ("unix", "tcp", "pty"):
        if not name.startswith(kind + ":"):
            return False
        return path is None or kind != "unix" or name[len("unix:"):].split(",")[0] == path
    return name.split(":")[0] == kind


@needs_qemu
@needs_docs
def test_query_cpus_fast_shows_the_topology(runs, doc):
    run = started(runs, doc)
    cpus = sorted(run.replies["query-cpus-fast"], key=lambda c: c["cpu-index"])
    want = expect.vcpus(libvirt_form(doc))
    got = [{k: c["props"].get(k, 0) for k in want[0]} for c in cpus]
    assert got == want
    # every possible vCPU (<vcpu>, above current=) is a slot of the same topology
    slots = expect.vcpus(libvirt_form(doc), online_only=False)
    got = [{k: c["props"].get(k, 0) for k in slots[0]}
           for c in run.replies["query-hotpluggable-cpus"]]
    key = lambda p: tuple(sorted(p.items()))       # noqa: E731
    assert sorted(got, key=key) == sorted(slots, key=key)


@needs_qemu
@needs_docs
def test_query_memory_size_summary_shows_the_memory(runs, doc):
    run = started(runs, doc)
    summary = run.replies["query-memory-size-summary"]
    want = expect.memory(libvirt_form(doc))
    assert summary["base-memory"] == want["base-memory"], (summary, want)
    assert summary.get("plugged-memory", 0) == want["plugged-memory"], (summary, want)
