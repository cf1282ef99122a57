"""Virtual networks: resolving <interface type='network'> to a host bridge.

libvirt resolves a network name through its network definitions; virtc reads them from
`--network FILE` documents. One network, `default`, is built in with libvirt's bridge name.
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Optional

from .ir import Network

DEFAULT_NETWORK = Network(name="default", bridge="virbr0")


def network_table(defined: Iterable[Network] = ()) -> Dict[str, Network]:
    """The built-in `default` network, overridden or extended by user definitions."""
    table = {DEFAULT_NETWORK.name: DEFAULT_NETWORK}
    for net in defined:
        table[net.name] = net
    return table


def resolve_bridge(name: str, networks: Mapping[str, Network]) -> Optional[str]:
    """The bridge a network name stands for, or None when it is unknown or has no bridge."""
    net = networks.get(name)
    return net.bridge if net else None
