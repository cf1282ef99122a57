"""Virtual networks: resolving <interface type='network'> to a host bridge, and
<listen type='network'> to an address.

libvirt resolves a network name through its network definitions; virtc reads them from
`--network FILE` documents. One network, `default`, is built in as libvirt ships it
(/usr/share/libvirt/networks/default.xml: bridge virbr0, NAT, 192.168.122.1).
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Optional, Tuple

from .ir import Network

DEFAULT_NETWORK = Network(name="default", bridge="virbr0", forward="nat",
                          address="192.168.122.1")
# Forward modes whose bridge libvirt itself makes and gives the network's first <ip>
# address (None: no <forward>, an isolated network). On the others (bridge, and libvirt's
# macvtap modes) the address is the host device's, which libvirt reads when the guest starts.
_OWN_ADDRESS = (None, "nat", "route", "open")


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


def listen_address(name: str, networks: Mapping[str, Network]) -> Tuple[Optional[str], str]:
    """(address, "") for a display's <listen type='network' network=NAME>, as libvirt picks
    it (the network's first <ip address>), or (None, why virtc can't tell)."""
    net = networks.get(name)
    if net is None:
        return None, (f"virtc knows no network '{name}' (only 'default' is built in; give "
                      "its definition with --network FILE)")
    if net.forward not in _OWN_ADDRESS:
        return None, (f"network '{name}' forwards in mode '{net.forward}', so libvirt listens "
                      "on the address the host device has when the guest starts")
    if net.address is None:
        return None, (f"network '{name}' has no <ip address>, and libvirt refuses to start "
                      "a guest that listens on it")
    return net.address, ""
