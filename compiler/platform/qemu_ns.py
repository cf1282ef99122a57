"""libvirt's QEMU namespace (xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"):
what a domain tells libvirt's QEMU driver behind its own XML.

    <qemu:commandline>
      <qemu:arg value='-device'/>
      <qemu:arg value='pvpanic'/>
      <qemu:env name='FOO' value='bar'/>
    </qemu:commandline>
    <qemu:deprecation behavior='reject'/>
    <qemu:capabilities><qemu:del capability='blockdev'/></qemu:capabilities>
    <qemu:override>
      <qemu:device alias='ua-net'>
        <qemu:frontend><qemu:property name='mac' type='string' value='52:54:00:00:00:09'/></qemu:frontend>
      </qemu:device>
    </qemu:override>

Every <qemu:arg> is one argv word, passed unchecked; every <qemu:env> a variable of QEMU's
environment (libvirt: qemuBuildCommandLine adds the args after its own devices and the
pairs to the command's environment, and taints the domain "custom-argv"). Elements may
repeat; their args and variables add up in document order (a repeated variable name: the
later value, as libvirt's virCommandAddEnv replaces it).

Schema: schemas/domain/ns-qemu.xsd. Builders: backends/qemu/platform/qemu_ns.py. Xen has
none of them (XEN470, backends/xen/crossing.py).
"""
from __future__ import annotations

from typing import ClassVar, Dict, Optional, Tuple

from ..devices.xmlmap import Attr, Children, lower
from ..diagnostics import Diagnostics, Severity, Span
from ..node import Node
from ..reader import Reader
from ..rules.codes import Code
from .switches import NOWHERE

NS = "http://libvirt.org/schemas/domain/qemu/1.0"


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


class QemuArg(Node):
    """<qemu:arg value>: one argv word, as it is."""

    TAG: ClassVar[str] = _tag("arg")
    XML: ClassVar[tuple] = (Attr("value", "value"),)
    value: str = ""
    span: Span = NOWHERE


class QemuEnv(Node):
    """<qemu:env name value>: a variable of QEMU's environment (no value: empty)."""

    TAG: ClassVar[str] = _tag("env")
    XML: ClassVar[tuple] = (Attr("name", "name"), Attr("value", "value"))
    name: str = ""
    value: Optional[str] = None
    span: Span = NOWHERE


class QemuCommandline(Node):
    TAG: ClassVar[str] = _tag("commandline")
    XML: ClassVar[tuple] = (Children("args", QemuArg), Children("env", QemuEnv))
    args: Tuple[QemuArg, ...] = ()
    env: Tuple[QemuEnv, ...] = ()
    span: Span = NOWHERE


class QemuCapability(Node):
    """<qemu:add capability> or <qemu:del capability>: a flag of libvirt's QEMU probe."""

    TAG: ClassVar[str] = _tag("add")
    XML: ClassVar[tuple] = (Attr("capability", "capability"),)
    capability: str = ""
    span: Span = NOWHERE


class QemuCapabilityDel(Node):
    TAG: ClassVar[str] = _tag("del")
    XML: ClassVar[tuple] = (Attr("capability", "capability"),)
    capability: str = ""
    span: Span = NOWHERE


class QemuCapabilities(Node):
    TAG: ClassVar[str] = _tag("capabilities")
    XML: ClassVar[tuple] = (Children("add", QemuCapability), Children("remove", QemuCapabilityDel))
    add: Tuple[QemuCapability, ...] = ()
    remove: Tuple[QemuCapabilityDel, ...] = ()
    span: Span = NOWHERE


class QemuDeprecation(Node):
    """<qemu:deprecation behavior>: none, omit, reject or crash."""

    TAG: ClassVar[str] = _tag("deprecation")
    XML: ClassVar[tuple] = (Attr("behavior", "behavior"),)
    behavior: str = "none"
    span: Span = NOWHERE


class QemuProperty(Node):
    """<qemu:property name type value>: type string, signed, unsigned, bool, or remove."""

    TAG: ClassVar[str] = _tag("property")
    XML: ClassVar[tuple] = (Attr("name", "name"), Attr("type", "type"), Attr("value", "value"))
    name: str = ""
    type: str = "string"
    value: Optional[str] = None
    span: Span = NOWHERE


class QemuFrontend(Node):
    TAG: ClassVar[str] = _tag("frontend")
    XML: ClassVar[tuple] = (Children("properties", QemuProperty),)
    properties: Tuple[QemuProperty, ...] = ()
    span: Span = NOWHERE


class QemuOverrideDevice(Node):
    """<qemu:device alias>: the -device whose id is the alias, and what to change on it."""

    TAG: ClassVar[str] = _tag("device")
    XML: ClassVar[tuple] = (Attr("alias", "alias"), Children("frontends", QemuFrontend))
    alias: str = ""
    frontends: Tuple[QemuFrontend, ...] = ()
    span: Span = NOWHERE

    @property
    def properties(self) -> Tuple[QemuProperty, ...]:
        return tuple(p for f in self.frontends for p in f.properties)


class QemuOverride(Node):
    TAG: ClassVar[str] = _tag("override")
    XML: ClassVar[tuple] = (Children("devices", QemuOverrideDevice),)
    devices: Tuple[QemuOverrideDevice, ...] = ()
    span: Span = NOWHERE


class QemuNamespace(Node):
    """Every qemu: element of one <domain>, each kind in document order."""

    commandlines: Tuple[QemuCommandline, ...] = ()
    capabilities: Tuple[QemuCapabilities, ...] = ()
    deprecation: Optional[QemuDeprecation] = None
    overrides: Tuple[QemuOverride, ...] = ()
    span: Span = NOWHERE

    @property
    def args(self) -> Tuple[QemuArg, ...]:
        return tuple(a for c in self.commandlines for a in c.args)

    @property
    def env(self) -> Tuple[QemuEnv, ...]:
        return tuple(e for c in self.commandlines for e in c.env)

    def environment(self) -> Dict[str, str]:
        """NAME → value for QEMU's process; a later <qemu:env> of a name replaces the
        earlier one's value (libvirt's virCommandAddEnv)."""
        out: Dict[str, str] = {}
        for env in self.env:
            out[env.name] = env.value or ""
        return out


SEM320 = Code("SEM320", Severity.ERROR)
SEM324 = Code("SEM324", Severity.ERROR)
# Reported by backends/qemu/platform/qemu_ns.py:
QEMU451 = Code("QEMU451", Severity.WARNING)
QEMU452 = Code("QEMU452", Severity.WARNING)
QEMU453 = Code("QEMU453", Severity.WARNING)

_BOOL = {"true": True, "false": False}
_KINDS = {"signed": "an integer", "unsigned": "an unsigned integer", "bool": "true or false"}


def property_value(prop: QemuProperty):
    """The typed value of an override's property (libvirt's JSON types); None for
    'remove', and for a value its type can't hold (SEM324)."""
    value = prop.value or ""
    if prop.type == "string":
        return value
    if prop.type == "bool":
        return _BOOL.get(value)
    if prop.type in ("signed", "unsigned"):
        try:
            number = int(value, 10)
        except ValueError:
            return None
        return number if prop.type == "signed" or number >= 0 else None
    return None


def rules():
    from ..rules import Rule

    return (
        Rule(SEM320, "qemu-env-name",
             "A <qemu:env> whose name doesn't start with a letter or an underscore.",
             "An environment variable's name is letters, digits and underscores, not starting "
             "with a digit (POSIX shells can't name, export or unset anything else); libvirt "
             "refuses the domain: \"Invalid environment name, it must begin with a letter or "
             "underscore\".",
             "<qemu:commandline><qemu:env name='1X' value='v'/></qemu:commandline>",
             "rename the variable: name='X1' or name='_1X'"),
        Rule(SEM324, "qemu-override-value",
             "A <qemu:property> whose value its type= can't hold: a signed or unsigned "
             "number that isn't one, a bool other than true or false.",
             "libvirt turns each override into a typed JSON value of the device's "
             "properties, and refuses the domain when the value isn't of its type.",
             "<qemu:property name='vectors' type='unsigned' value='four'/>",
             "write the value in its type (value='4', value='true'), or use type='string'"),
        Rule(QEMU451, "qemu-custom-argv",
             "A <qemu:commandline> with arguments or environment variables for QEMU.",
             "They reach QEMU as written, unchecked: virtc can't tell what they do to the "
             "guest, whether this QEMU takes them, or whether they clash with what virtc "
             "built. libvirt marks such a domain tainted ('custom-argv') for the same "
             "reason. Each <qemu:arg> is one argv word (never split at spaces or commas, "
             "never shell-interpreted), after every option virtc builds; each <qemu:env> is "
             "set in QEMU's environment (`virtc compile` prints NAME=value before the "
             "command, the API returns it in CompileResult.env, `virtc run` sets it).",
             "<qemu:commandline><qemu:arg value='-device'/><qemu:arg value='pvpanic'/>"
             "</qemu:commandline>",
             "prefer the domain's own elements (<panic model='isa'/> here); keep what has "
             "none, and check it against the QEMU you run"),
        Rule(QEMU452, "qemu-capabilities-ignored",
             "A <qemu:capabilities> <qemu:add>/<qemu:del>, compiled by virtc.",
             "It edits the capability flags libvirt probed from its QEMU binary, which "
             "decide how libvirt spells the command line; virtc has no probe to edit: the "
             "dialect (--qemu-version, or the emulator's version) decides, so the element "
             "changes nothing.",
             "<qemu:capabilities><qemu:del capability='blockdev'/></qemu:capabilities>",
             "pick the QEMU version whose spelling you want with --qemu-version, and remove "
             "the element"),
        Rule(QEMU453, "qemu-override-no-device",
             "A <qemu:override> <qemu:device alias> that names no -device of the argv.",
             "The override applies to the device whose id is the alias (libvirt: the "
             "device's alias); with none, it changes nothing, which usually means a "
             "misspelt alias or a device virtc writes without an id.",
             "<qemu:override><qemu:device alias='net9'>…</qemu:device></qemu:override>",
             "use the alias of a device of the domain (its <alias name='ua-…'/>, or the id "
             "in `virtc compile`'s output)"),
    )


def lower_namespace(r: Reader, root) -> Optional[QemuNamespace]:
    """The qemu: elements of <domain> `root`, or None when it has none."""
    commandlines = tuple(lower(QemuCommandline, r, el)
                         for el in r.children(root, QemuCommandline.TAG))
    capabilities = tuple(lower(QemuCapabilities, r, el)
                         for el in r.children(root, QemuCapabilities.TAG))
    deprecation = r.child(root, QemuDeprecation.TAG)
    overrides = tuple(lower(QemuOverride, r, el) for el in r.children(root, QemuOverride.TAG))
    if not (commandlines or capabilities or deprecation is not None or overrides):
        return None
    return QemuNamespace(commandlines=commandlines, capabilities=capabilities,
                         deprecation=(lower(QemuDeprecation, r, deprecation)
                                      if deprecation is not None else None),
                         overrides=overrides, span=r.span(root))


def as_uncompiled(ns: QemuNamespace) -> tuple:
    """The elements as what a backend without a QEMU command line (Xen) reports: each one
    as lowering leaves an element it doesn't read (backends/xen/crossing.py: XEN470)."""
    from ..ir import Uncompiled

    nodes = [*ns.commandlines, *ns.capabilities, *ns.overrides]
    if ns.deprecation is not None:
        nodes.append(ns.deprecation)
    nodes.sort(key=lambda n: (n.span.line, n.span.column))
    return tuple(Uncompiled("qemu:" + type(n).TAG.split("}", 1)[1], n.span) for n in nodes)


def check(domain, diags: Diagnostics) -> None:
    ns = domain.qemu
    for override in ns.overrides:
        for device in override.devices:
            for prop in device.properties:
                if prop.type != "remove" and property_value(prop) is None:
                    diags.add(SEM324, f"<qemu:property name='{prop.name}' type='{prop.type}'>"
                              f" has value {prop.value!r}, which is not"
                              f" {_KINDS.get(prop.type, 'of its type')}",
                              prop.span, hint="write the value in its type, or use"
                              " type='string'")
    for env in ns.env:
        if not (env.name[:1].isascii() and (env.name[:1].isalpha() or env.name[:1] == "_")):
            diags.add(SEM320, f"<qemu:env name='{env.name}'> is not an environment variable"
                      " name: it must begin with a letter or an underscore", env.span,
                      hint=f"rename it, e.g. name='_{env.name}'")
