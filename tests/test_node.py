"""compiler/node.py: frozen records that behave like frozen dataclasses, without their
import-time cost."""
from __future__ import annotations

import copy
import enum
import json
import pickle
from typing import ClassVar, Optional

import pytest

from virtc.compiler.node import (Choice, Factory, FrozenInstanceError, Node, NotCompared,
                                 asdict, fields, replace)


class Point(Node, order=True):
    x: int
    y: int = 0
    tags: tuple = ()
    KIND: ClassVar[str] = "point"


class Labelled(Point):
    label: Optional[str] = None
    seen: list = Factory(list)


def test_fields_defaults_and_keywords():
    assert fields(Point) == ("x", "y", "tags") and fields(Labelled)[-2:] == ("label", "seen")
    p = Point(1, tags=("a",))
    assert (p.x, p.y, p.tags) == (1, 0, ("a",)) and Point.KIND == "point"
    assert repr(p) == "Point(x=1, y=0, tags=('a',))"
    assert asdict(Labelled(3, label="l")) == {"x": 3, "y": 0, "tags": (), "label": "l", "seen": []}


def test_factories_make_one_value_per_instance():
    a, b = Labelled(1), Labelled(1)
    assert a.seen == [] and a.seen is not b.seen


@pytest.mark.parametrize("call", [lambda: Point(), lambda: Point(1, 2, (), 4),
                                  lambda: Point(1, x=2), lambda: Point(1, z=3)])
def test_wrong_arguments_are_type_errors(call):
    with pytest.raises(TypeError):
        call()


def test_frozen_equal_hashable_and_ordered():
    p = Point(1, 2)
    with pytest.raises(FrozenInstanceError):
        p.x = 5
    with pytest.raises(AttributeError):
        del p.y
    assert p == Point(1, 2) and p != Point(1, 3) and hash(p) == hash(Point(1, 2))
    assert Point(1, 2) != Labelled(1, 2)       # another class is never equal
    assert sorted([Point(2), Point(1, 5), Point(1, 1)]) == [Point(1, 1), Point(1, 5), Point(2)]
    with pytest.raises(TypeError):
        _ = Labelled(1) < Point(2) < Labelled(0)   # noqa: B015 — only within one class


def test_replace_copies_with_changes_and_refuses_unknown_fields():
    p = Labelled(1, label="a")
    q = replace(p, label="b")
    assert (p.label, q.label, q.x, type(q)) == ("a", "b", 1, Labelled)
    with pytest.raises(TypeError):
        replace(p, nope=1)


def test_pickle_and_deepcopy_round_trip():
    p = Labelled(1, 2, ("t",), "l", [1])
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p and copy.copy(p) == p


def test_match_by_position():
    match Point(4, 5):
        case Point(x, y):
            assert (x, y) == (4, 5)


def test_a_required_field_after_a_default_is_refused():
    with pytest.raises(TypeError):
        class Bad(Node):
            a: int = 1
            b: int


def test_a_mutable_record_can_be_filled_in():
    class Result(Node, mutable=True):
        ok: bool = False
        items: list = Factory(list)

    r = Result()
    r.ok = True
    r.items.append(1)
    assert r == Result(True, [1])
    with pytest.raises(TypeError):
        hash(r)
    frozen = Point(1)
    with pytest.raises(FrozenInstanceError):
        frozen.x = 2


def test_a_field_can_be_left_out_of_equality():
    class Where(Node):
        value: int = 0
        at: tuple = NotCompared(())

    a, b = Where(1, ("line 3",)), Where(1, ("line 9",))
    assert a == b and hash(a) == hash(b) and a.at != b.at
    assert Where().at == () and replace(a, at=()).at == ()


# --- Choice: the IR's str enums -------------------------------------------------------------

class Bus(Choice):
    IDE = "ide"
    VIRTIO = "virtio"
    PARAVIRT = "virtio"          # an alias: a second name for a value given already
    _private = "not a member"

    @property
    def is_virtio(self) -> bool:
        return self is Bus.VIRTIO


class ReferenceBus(str, enum.Enum):
    IDE = "ide"
    VIRTIO = "virtio"
    PARAVIRT = "virtio"


def test_a_choice_reads_like_the_str_enum_it_replaces():
    """Everything virtc does with an IR enum gives what enum.Enum gives on this Python."""
    for ours, theirs in ((Bus, ReferenceBus),):
        assert [m.name for m in ours] == [m.name for m in theirs] == ["IDE", "VIRTIO"]
        assert [m.value for m in ours] == [m.value for m in theirs]
        assert list(ours.__members__) == list(theirs.__members__)
        assert len(ours) == len(theirs) == 2
        for name in ("IDE", "VIRTIO"):
            a, b = getattr(ours, name), getattr(theirs, name)
            assert a == b == b.value and isinstance(a, str)
            assert repr(a).replace("Bus", "ReferenceBus", 1) == repr(b)
            assert str(a).replace("Bus", "ReferenceBus", 1) == str(b)
            assert f"{a}".replace("Bus", "ReferenceBus", 1) == f"{b}"
            assert "%s" % a == str(a)
            assert ours(b.value) is a and ours(a) is a and ours[name] is a
            assert sorted(ours, reverse=True)[0] == max(a.value for a in ours)
    assert Bus.PARAVIRT is Bus.VIRTIO and Bus.__members__["PARAVIRT"] is Bus.VIRTIO
    assert Bus.VIRTIO.is_virtio and not Bus.IDE.is_virtio
    assert Bus._private == "not a member" and "not a member" not in Bus
    assert "ide" in Bus and "scsi" not in Bus and 3 not in Bus


def test_a_choice_hashes_as_its_value_and_refuses_other_values():
    assert {"virtio": 1}[Bus.VIRTIO] == 1 and {Bus.IDE: 2}["ide"] == 2
    for bad in ("scsi", "IDE", None, 3, ["ide"]):
        with pytest.raises(ValueError, match="is not a valid Bus"):
            Bus(bad)
    with pytest.raises(KeyError):
        Bus["SCSI"]


def test_choice_members_are_constants():
    assert pickle.loads(pickle.dumps(Bus.IDE)) is Bus.IDE
    assert copy.copy(Bus.IDE) is Bus.IDE and copy.deepcopy([Bus.IDE])[0] is Bus.IDE
    with pytest.raises(AttributeError):
        Bus.IDE = "scsi"
    with pytest.raises(AttributeError):
        del Bus.VIRTIO
    assert json.dumps({"bus": Bus.VIRTIO}) == '{"bus": "virtio"}'
