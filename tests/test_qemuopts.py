"""tests/qemuopts.py, the one reader of QEMU option strings the tests share: every option
virtc writes reads as an option with its argument, never as a switch followed by a stray
word, in both spellings (key=value and JSON)."""
from __future__ import annotations

import pathlib

import virtc
from qemuopts import IMPLIED, RAW, option_dict, split_argv

CORPUS = pathlib.Path(__file__).parent / "corpus" / "dumpxml"


def test_options_with_an_implied_key_take_their_argument():
    argv = ["qemu-system-x86_64", "-cpu", "host,migratable=on", "-S", "-numa",
            "node,nodeid=0,cpus=0-1,memdev=ram-node0", "-audiodev", '{"id":"audio1","driver":"spice"}',
            "-overcommit", "mem-lock=off", "-nodefaults"]
    assert split_argv(argv) == [("-cpu", "host,migratable=on"), ("-S", None),
                                ("-numa", "node,nodeid=0,cpus=0-1,memdev=ram-node0"),
                                ("-audiodev", '{"id":"audio1","driver":"spice"}'),
                                ("-overcommit", "mem-lock=off"), ("-nodefaults", None)]
    assert option_dict("-cpu", "host,migratable=on") == {"model": "host", "migratable": "on"}
    assert option_dict("-numa", "node,nodeid=0")["type"] == "node"
    assert option_dict("-audiodev", "spice,id=audio1") == \
        option_dict("-audiodev", '{"id":"audio1","driver":"spice"}')


def test_every_option_virtc_writes_is_read_as_one():
    """Over the corpus (libvirt-shaped documents: JSON -device, -object, -netdev): a flag
    that takes an argument must be in IMPLIED or RAW, or its argument would read as a flag."""
    compiled = 0
    for doc in sorted(CORPUS.glob("*.xml")):
        result = virtc.compile(doc, qemu_version="7.2")
        if not result.ok:
            continue
        compiled += 1
        words = split_argv(result.argv)
        stray = [flag for flag, _ in words if not flag.startswith("-")]
        assert not stray, (doc.name, stray)
        for flag, value in words:
            if value is not None and flag not in RAW:
                assert isinstance(option_dict(flag, value), dict), (doc.name, flag)
    assert compiled >= 61
