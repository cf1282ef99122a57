"""USB input settings back into IR devices (the inverse of common.build_inputs). The
device families read their own keys back: devices/disk.py, interface.py, chardev.py and
graphics.py.
"""
from __future__ import annotations

from typing import List

from ...compiler.ir import (
    Input, InputBus, InputType,
)
from ...compiler.rules.codes import XEN428
from .import_values import ConfigReader


def usb_inputs(r: ConfigReader) -> List[Input]:
    r.flag("usb")
    inputs = []
    for _, name, span in r.strings("usbdevice"):
        if name in ("mouse", "tablet"):
            inputs.append(Input(InputType(name), InputBus.USB, span=span))
        else:
            r.report(XEN428, f"usbdevice {name!r} has no domain XML equivalent; ignored", span)
    return inputs
