"""Each semantic rule fires on its defect, at the defect's line, and not on good input."""
import textwrap

import pytest

from virtc.pipeline import load_bytes

QEMU_NS_HEAD = "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"


def domain(devices="", os_extra="", head="<domain type='qemu'>", os_type="hvm", extra=""):
    # Line 1 is <domain>; devices start on line 9.
    return textwrap.dedent(f"""\
        {head}
          <name>t</name>
          <memory>65536</memory>
          <os>
            <type>{os_type}</type>{os_extra}
          </os>{extra}
          <devices>
        """) + textwrap.dedent(devices).strip("\n") + "\n</devices>\n</domain>\n"


CASES = [
    ("SEM201", domain("<interface type='network'>\n<source/>\n</interface>"), 9),
    ("SEM201", domain("<interface type='bridge'/>"), 8),
    ("SEM201", domain("<interface type='mcast'>\n<source address='230.0.0.1'/>\n</interface>"), 9),
    # a server may leave out its address (it listens on all), not its port; a client may not
    ("SEM201", domain("<interface type='server'>\n<source address='127.0.0.1'/>\n</interface>"), 9),
    ("SEM201", domain("<interface type='client'>\n<source port='5558'/>\n</interface>"), 9),
    ("SEM202", domain("<interface type='mcast'>\n<source address='10.0.0.1' port='1'/>\n</interface>"), 9),
    ("SEM202", domain("<interface type='mcast'>\n<source address='not-an-ip' port='1'/>\n</interface>"), 9),
    ("SEM203", domain("<interface type='server'>\n<source address='127.0.0.1' port='0'/>\n</interface>"), 9),
    ("SEM203", domain("<interface type='client'>\n<source address='127.0.0.1' port='65536'/>\n</interface>"), 9),
    ("SEM204", domain("<interface type='user'>\n<mac address='52:54:00:00:00'/>\n</interface>"), 9),
    ("SEM205", domain("<interface type='user'>\n<mac address='01:54:00:00:00:01'/>\n</interface>"), 9),
    ("SEM206", domain("<disk type='file'><source file='/a'/><target dev='hda'/></disk>\n"
                      "<disk type='file'><source file='/b'/>\n<target dev='hda'/></disk>"), 10),
    ("SEM207", domain("<interface type='user'><mac address='52:54:00:00:00:01'/></interface>\n"
                      "<interface type='user'>\n<mac address='52:54:00:00:00:01'/></interface>"), 10),
    ("SEM208", domain(extra="\n  <currentMemory>70000</currentMemory>"), 7),
    ("SEM209", domain("<graphics type='vnc' port='80'/>"), 8),
    ("SEM210", domain("<disk type='file'><source file='/a'/>\n<target dev='hde'/></disk>"), 9),
    ("SEM210", domain("<disk type='file' device='floppy'><source file='/a'/>\n<target dev='hdb'/></disk>"), 9),
    ("SEM210", domain("<disk type='file'><source file='/a'/>\n<target dev='fda'/></disk>"), 9),
    ("SEM210", domain("<disk type='file' device='cdrom'>\n<target dev='vda'/></disk>"), 9),
    ("SEM210", domain("<disk type='file'><source file='/a'/>\n<target dev='sda1'/></disk>"), 9),
    ("SEM211", domain("<disk type='file'>\n<source dev='/dev/sdb'/><target dev='hda'/></disk>"), 9),
    ("SEM211", domain("<disk type='block'><target dev='hda'/></disk>"), 8),
    ("SEM213", domain(head="<domain type='xen'>", os_type="linux"), 4),
    ("SEM214", domain(extra="\n  <uuid>xyz</uuid>"), 7),
    ("SEM215", domain(os_extra="\n    <boot dev='cdrom'/>"), 6),
    ("SEM216", domain(os_type="hvm").replace("    <type>hvm</type>", "    <kernel>/k</kernel>"), 4),
    ("SEM218", domain("<interface type='bridge'>\n<source dev='br0'/>\n</interface>"), 9),
    ("SEM219", domain(os_type="linux"), 5),
    ("SEM220", domain("<serial type='file'/>"), 8),
    ("SEM220", domain("<serial type='tcp'>\n<source host='127.0.0.1'/>\n</serial>"), 8),
    ("SEM221", domain("<interface type='user'>\n<source bridge='br0'/>\n</interface>"), 9),
    ("SEM221", domain("<serial type='null'>\n<source path='/x'/>\n</serial>"), 9),
    ("SEM222", domain("<input type='tablet' bus='ps2'/>"), 8),
    ("SEM306", domain("<audio id='1' type='none'/><sound model='ac97'>\n<audio id='2'/>"
                      "</sound>"), 9),
    ("SEM307", domain("<audio id='1' type='none'/>\n<audio id='1' type='spice'/>"), 9),
    ("SEM305", domain("<input type='mouse' bus='usb'><source evdev='/dev/e'/></input>"),
     8),
    ("SEM223", "<network>\n  <bridge name='virbr1'/>\n</network>\n", 1),
    ("SEM224", "<network>\n<name>a</name>\n<uuid>1</uuid>\n<uuid>2</uuid>\n</network>\n", 4),
    ("SEM220", domain("<serial type='tcp'>\n<source mode='bind' service='4555'/>\n</serial>"), 8),
    # <vcpu> and <cpu> (compiler/platform/cpu.py)
    ("SEM260", domain(extra="\n<vcpu>4</vcpu>\n<cpu><topology sockets='1' cores='2' "
                            "threads='1'/></cpu>"), 8),
    ("SEM261", domain(extra="\n<vcpu current='5'>4</vcpu>"), 7),
    ("SEM262", domain(extra="\n<vcpu cpuset='3-1'>4</vcpu>"), 7),
    ("SEM263", domain(extra="\n<vcpu>2</vcpu>\n<cpu><numa><cell id='1' cpus='0' "
                            "memory='1024'/></numa></cpu>"), 8),
    ("SEM264", domain(extra="\n<vcpu>1</vcpu>\n<cpu mode='maximum'><cache level='2' "
                            "mode='emulate'/></cpu>"), 8),
    ("SEM225", domain("<rng model='virtio'>\n<backend model='egd'>"
                      "<source host='h' service='1'/></backend>\n</rng>"), 9),
    ("SEM226", domain("<tpm><backend type='emulator'/></tpm>\n"
                      "<tpm model='tpm-crb'><backend type='emulator'/></tpm>"), 9),
    ("SEM227", domain("<tpm model='tpm-crb'>\n<backend type='emulator' version='1.2'/>\n</tpm>"), 9),
    ("SEM290", domain("<interface type='user'>\n<boot order='1'/>\n</interface>",
                      os_extra="\n    <boot dev='hd'/>"), 10),
    ("SEM250", domain(extra="\n  <maxMemory slots='2' unit='KiB'>1024</maxMemory>"), 7),
    ("SEM280", domain(extra="\n  <uuid>c7a5fdb2-cdaf-9455-926a-d65c16db1809</uuid>\n  <sysinfo "
                      "type='smbios'><system>\n<entry name='uuid'>00000000-0000-4000-8000-"
                      "000000000001</entry></system></sysinfo>"), 9),
    ("SEM251", domain(extra="\n  <iothreadids><iothread id='0'/></iothreadids>"), 7),
    ("SEM252", domain(extra="\n  <memoryBacking><hugepages><page size='2048'/>"
                            "<page size='4'/></hugepages></memoryBacking>"), 7),
    ("SEM297", domain("<vsock model='virtio'>\n<cid auto='no' address='1'/>\n</vsock>"), 9),
    ("SEM300", domain("<redirfilter><usbdev allow='yes'/></redirfilter>\n"
                      "<redirfilter><usbdev allow='no'/></redirfilter>"), 9),
    ("SEM301", domain("<smartcard mode='host-certificates'>\n<certificate>a</certificate>\n"
                      "</smartcard>"), 8),
    ("SEM315", domain("<interface type='user'>\n<portForward proto='tcp'><range start='2222'"
                      " to='22'/></portForward>\n</interface>"), 9),
    ("SEM316", domain("<interface type='udp'>\n<source address='127.0.0.1' port='5555'/>"
                      "\n</interface>"), 9),
    ("SEM317", domain("<interface type='vhostuser'>\n<source type='unix' path='/run/vu.sock'"
                      " mode='client'/>\n<model type='rtl8139'/>\n</interface>"), 10),
    ("SEM318", domain("<interface type='user'><model type='virtio'/>\n<driver"
                      " tx_queue_size='300'/>\n</interface>"), 9),
    ("SEM320", domain("", extra="\n<qemu:commandline><qemu:env name='9' value='v'/>"
                      "</qemu:commandline>", head=QEMU_NS_HEAD), 7),
    ("SEM324", domain("<memballoon model='virtio'><alias name='ua-b'/></memballoon>",
                      extra="\n<qemu:override><qemu:device alias='ua-b'><qemu:frontend>"
                      "<qemu:property name='x' type='signed' value='1.5'/></qemu:frontend>"
                      "</qemu:device></qemu:override>", head=QEMU_NS_HEAD), 7),
    ("SEM321", domain("<shmem name='s'><model type='ivshmem-plain'/>\n"
                      "<size unit='K'>512</size></shmem>"), 9),
    ("SEM322", domain("<shmem name='s'>\n<model type='ivshmem-plain'/>\n<server/>\n"
                      "</shmem>"), 10),
    ("SEM323", domain("<shmem name='s'>\n<model type='ivshmem-doorbell'/><server/>\n"
                      "<size>1048576</size>\n</shmem>"), 10),
]


@pytest.mark.parametrize("code,xml,line", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_at_the_defect(code, xml, line):
    loaded = load_bytes(xml.encode(), "t.xml")
    hits = [d for d in loaded.diagnostics if d.code == code]
    assert hits, [f"{d.code} {d.message}" for d in loaded.diagnostics]
    assert hits[0].span.line == line, (hits[0], xml)
    assert hits[0].hint


def test_rule_table_covers_every_semantic_code():
    from virtc.compiler.rules import active

    sem = {c for c in active() if c.startswith("SEM")}
    assert sem == {c for c, _, _ in CASES}


GOOD = [
    domain("<interface type='mcast'><source address='239.1.2.3' port='65535'/></interface>"),
    # libvirt reads a server's address as optional: QEMU then listens on every address
    domain("<interface type='server'><source port='5558'/></interface>"),
    domain("<interface type='user'><mac address='52:54:00:ab:cd:ef'/></interface>"),
    domain("<disk type='file' device='cdrom'><target dev='hdc'/><readonly/></disk>"),
    domain("<graphics type='vnc' port='-1'/><graphics type='vnc' port='5900'/>"),
    domain("<disk type='file'><source file='/a'/><target dev='xvda' bus='xen'/></disk>"),
    domain("<disk type='file'><source file='/a'/><target dev='sda1'/></disk>",
           head="<domain type='xen'>", os_type="linux", os_extra="\n    <kernel>/k</kernel>"),
    domain("<serial type='udp'><source mode='bind' host='0.0.0.0' service='2222'/>"
           "<source mode='connect' host='127.0.0.1' service='2223'/></serial>"),
    # passt binds to the host interface <source dev> names (libvirt 9.0): not SEM221.
    domain("<interface type='user'><backend type='passt'/><source dev='eth0'/></interface>"),
]


@pytest.mark.parametrize("xml", GOOD)
def test_good_documents_have_no_findings(xml):
    loaded = load_bytes(xml.encode(), "t.xml")
    assert loaded.ok
    assert [d for d in loaded.diagnostics if d.severity.value != "info"] == []
