"""Rules of the schema family: the document's shape does not match schemas/*.xsd."""
from . import Rule, codes

RULES = [
    Rule(
        codes.XSD101, "unknown-element",
        "An element is not allowed where it appears.",
        "libvirt ignores or rejects elements it does not know, so a misspelt or misplaced "
        "element is configuration that silently never takes effect. virtc cannot compile "
        "what it cannot name.",
        "<devices>\n  <interfce type='user'/>\n</devices>",
        "Fix the spelling (the hint names the closest allowed element), move the element "
        "to the parent it belongs in, or remove it.",
    ),
    Rule(
        codes.XSD102, "unknown-attribute",
        "An element carries an attribute it does not accept.",
        "A misspelt attribute is dropped by libvirt without a word, so the setting you meant "
        "(a disk type, a network name) is never applied.",
        "<disk tpye='file'>\n  <target dev='hda'/>\n</disk>",
        "Use the attribute the hint suggests, e.g. type='file', or remove the attribute. "
        "Inside <interface type='network'>, name the network with <source network='…'/>.",
    ),
    Rule(
        codes.XSD103, "invalid-attribute-value",
        "An attribute's value is not one of the allowed values or has the wrong type.",
        "Closed vocabularies (disk device, graphics type, boot device) select code paths in "
        "every backend; a value outside them has no meaning for QEMU or Xen.",
        "<graphics type='vns' port='5900'/>",
        "Use one of the values listed in the hint (did-you-mean names the closest), or a "
        "whole number where a number is expected.",
    ),
    Rule(
        codes.XSD104, "missing-required-attribute",
        "An element lacks an attribute it must have.",
        "Some attributes select what an element is (a disk's type, a boot device's dev); "
        "without them there is nothing to compile.",
        "<os>\n  <type>hvm</type>\n  <boot/>\n</os>",
        "Add the attribute named in the message, e.g. <boot dev='hd'/>.",
    ),
    Rule(
        codes.XSD105, "missing-required-child",
        "An element lacks a child element it must have.",
        "A domain without <name>, <memory> or <os>, or a disk without <target>, cannot be "
        "defined by libvirt or started by a hypervisor.",
        "<disk type='file'>\n  <source file='/var/lib/img/a.img'/>\n</disk>",
        "Add the child element named in the message, e.g. <target dev='hda'/>.",
    ),
    Rule(
        codes.XSD106, "invalid-text-content",
        "An element's text is not a valid value, or text appears where none is allowed.",
        "Sizes and counts must be whole numbers and vocabularies must match exactly; libvirt "
        "would reject or misread anything else.",
        "<memory>128M</memory>",
        "Write the value in the form the hint gives: a whole number of KiB for <memory>, "
        "one of the listed words for <type> or <on_crash>.",
    ),
    Rule(
        codes.XSD107, "duplicate-element",
        "An element appears more times than its parent allows.",
        "When an element such as <vcpu> or <memory> is given twice, which one wins is up to "
        "the reader; virtc refuses to guess.",
        "<domain>\n  <vcpu>1</vcpu>\n  <vcpu>2</vcpu>\n  ...\n</domain>",
        "Keep one occurrence and remove the others.",
    ),
    Rule(
        codes.XSD108, "schema-mismatch",
        "The document does not match the schema for its kind (wrong root element, a "
        "namespace, or another structural problem).",
        "A network definition passed as a domain, or a domain in an XML namespace, matches "
        "none of virtc's rules, so nothing else about it can be checked.",
        "<network>\n  <name>default</name>\n</network>   (checked as a domain)",
        "Check the document as the right kind, start it with the expected root element, and "
        "remove any xmlns declaration.",
    ),
]
