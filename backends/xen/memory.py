"""Guest memory in xm and xl configs, both ways (compiler/memory.py's nodes, NUMA cells).

    <memory unit='KiB'>8388608</memory>            maxmem = 8192        (MiB, rounded up)
    <currentMemory unit='KiB'>4194304</currentMemory> memory = 4096
    <cpu><numa><cell id='0' cpus='0-1'               vnuma = [ [ "pnode=0", "size=2048",
        memory='2097152' unit='KiB'>                          "vcpus=0-1", "vdistances=10,21" ], … ]
      <distances><sibling id='1' value='21'/>

As libvirt's xenFormatMem / xenParseMem (src/libxl/xen_common.c: maxmem is <memory>,
memory is <currentMemory>, both MiB rounded up) and xenFormatXLDomainVnuma /
xenParseXLVnuma (src/libxl/xen_xl.c; tests/xlconfigdata/test-fullvirt-vnuma*.cfg): each
cell's node is pnode=<cell id>, its size in MiB, its vCPUs, and a distance to every cell
(10 to itself and 20 to the others where <distances> says nothing, libvirt's defaults).

What Xen has no key for is reported: <maxMemory> (XEN480: no hotplug area; maxmem is the
balloon ceiling), NUMA cells in an xm config (XEN440: xm has no vnuma), and
<memoryBacking> and <iothreads>, which tune the host's side only (XEN441).
"""
from __future__ import annotations

import math
from typing import List, Optional

from ...compiler import uncompiled
from ...compiler.ir import Uncompiled
from ...compiler.memory import XEN480, numa_cells, siblings
from ...compiler.rules.codes import XEN440, XEN441
from .common import Builder, Config

LOCAL_DISTANCE = 10      # libvirt's LOCAL_DISTANCE / REMOTE_DISTANCE (numa_conf.c)
REMOTE_DISTANCE = 20


def build_memory(b: Builder, config: Config, *, xl: bool) -> None:
    d = b.domain
    # Xen counts MiB; libvirt rounds up so a guest never gets less than it asked for.
    config.set("maxmem", math.ceil(d.memory_kib / 1024))
    config.set("memory", math.ceil(d.balloon_kib / 1024))
    if d.max_memory is not None:
        b.report(XEN480, f"<maxMemory slots='{d.max_memory.slots}'> has no {b.target} key:"
                 " Xen guests have no memory hotplug area; ignored", d.max_memory.span,
                 hint="drop <maxMemory>; maxmem (the balloon ceiling) is <memory>")
    build_vnuma(b, config, numa_cells(d), xl=xl)
    items = []
    if d.memory_backing is not None:
        items.append(Uncompiled("memoryBacking", d.memory_backing.span, host_side=True))
    if d.iothreads is not None:
        items.append(Uncompiled("iothreads", d.iothreads.span, host_side=True))
    uncompiled.report(items, b.diags, "Xen", XEN440, XEN441)


def build_vnuma(b: Builder, config: Config, cells, *, xl: bool) -> None:
    """`vnuma` (xl) from the NUMA cells; xm has no key for them (XEN440)."""
    if not cells:
        return
    if not xl:
        b.report(XEN440, "<cpu><numa> cells are valid libvirt XML that xm has no key for;"
                 " the guest would see one NUMA node", cells[0].span,
                 hint="compile for --target xen-xl, whose vnuma key carries them")
        return
    ids = [c.id for c in cells]
    config.set("vnuma", [[f"pnode={c.id}", f"size={math.ceil(c.memory_kib / 1024)}",
                          f"vcpus={c.cpus}",
                          "vdistances=" + ",".join(str(distance(c, other)) for other in ids)]
                         for c in cells])


def distance(cell, other: int) -> int:
    """The distance from `cell` to cell `other`, with libvirt's defaults."""
    for sibling in siblings(cell):
        if sibling.id == other:
            return sibling.value
    return LOCAL_DISTANCE if other == cell.id else REMOTE_DISTANCE


def parse_vnuma(r, value, span) -> Optional[List[dict]]:
    """xl's vnuma list → one dict per virtual node: id, size_mib, vcpus, distances
    (a list, one per node); None after a reported error (XEN427)."""
    from ...compiler.rules.codes import XEN427

    if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
        r.report(XEN427, "vnuma: expected a list of lists of \"key=value\" strings", span)
        return None
    nodes = []
    for index, vnode in enumerate(value):
        fields = {}
        for item in vnode:
            key, sep, text = item.partition("=") if isinstance(item, str) else ("", "", "")
            if not sep or key.strip() not in ("pnode", "size", "vcpus", "vdistances"):
                r.report(XEN427, f"vnuma node {index}: {item!r} is not pnode=, size=, vcpus="
                         " or vdistances=", span)
                return None
            fields[key.strip()] = text.strip()
        try:
            node = {"id": index, "size_mib": int(fields["size"]), "vcpus": fields["vcpus"],
                    "distances": [int(x) for x in fields["vdistances"].split(",")]
                    if fields.get("vdistances") else []}
            int(fields["pnode"])
        except (KeyError, ValueError):
            r.report(XEN427, f"vnuma node {index} needs pnode=, size= (MiB) and vcpus=",
                     span, hint='e.g. [ "pnode=0", "size=2048", "vcpus=0-1" ]')
            return None
        if node["distances"] and len(node["distances"]) != len(value):
            r.report(XEN427, f"vnuma node {index}: vdistances has {len(node['distances'])}"
                     f" values for {len(value)} nodes", span)
            return None
        nodes.append(node)
    return nodes


def read_vnuma(r, domain):
    """`domain` with the NUMA cells of xl's vnuma key (libvirt's xenParseXLVnuma): cell N is
    the Nth virtual node, its memory size= MiB, its vCPUs and its distance to every node."""
    setting = r.get("vnuma")
    if setting is None:
        return domain
    nodes = parse_vnuma(r, setting.value, setting.span)
    if not nodes:
        return domain
    from ...compiler.node import replace
    from ...compiler.platform.cpu import Cpu, Numa, NumaCell, NumaDistances, NumaSibling

    cells = tuple(NumaCell(
        id=n["id"], cpus=n["vcpus"], memory_kib=n["size_mib"] * 1024,
        distances=NumaDistances(siblings=tuple(
            NumaSibling(id=j, value=v, span=setting.span)
            for j, v in enumerate(n["distances"])), span=setting.span)
        if n["distances"] else None, span=setting.span) for n in nodes)
    cpu = domain.cpu if domain.cpu is not None else Cpu(span=setting.span)
    return replace(domain, cpu=replace(cpu, numa=Numa(cells=cells, span=setting.span)))
