"""Domain-level elements that are not devices (<vcpu>, <cpu>, <features>, <clock>, <os>,
<memory>…), one module each, built like the device families (compiler/devices/): IR nodes
with sub-nodes and spans, lowering, post-parse defaults, rules and the XML writer in the
module; each backend's builders in its own module per element.

A module here may define, each optional:

- `postparse(domain) -> domain`: the domain with that module's defaults applied;
- `check(domain, diags)`: its semantic rules;
- `rules()`: the rules it declares (registered with every other rule).

`MODULES` names them; only the modules a stage needs are imported.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import List

MODULES = ("cpu",)


def modules() -> List[ModuleType]:
    return [importlib.import_module(f".{name}", __name__) for name in MODULES]


def postparse(domain):
    for module in modules():
        own = getattr(module, "postparse", None)
        if own is not None:
            domain = own(domain)
    return domain


def check(domain, diags) -> None:
    for module in modules():
        own = getattr(module, "check", None)
        if own is not None:
            own(domain, diags)


def rules() -> list:
    return [rule for module in modules() for rule in getattr(module, "rules", tuple)()]
