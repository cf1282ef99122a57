"""Rules of the parse family (XML0xx): the document is not readable XML."""
from ..diagnostics import Severity
from . import Rule

E = Severity.ERROR

RULES = [
    Rule("XML001", "xml-syntax-error", E,
         "The file is not well-formed XML.",
         "Nothing can be checked or compiled until the XML parses; libxml2 names the first "
         "position where the text stops being XML.",
         "<mac address=\"11:22:33:44:55:66:/>   (the quote is never closed)",
         "Fix the text at the reported line and column; the hint names an unclosed attribute "
         "quote when that is the cause."),
    Rule("XML002", "doctype-refused", E,
         "The document has a DOCTYPE that declares entities or names an external DTD.",
         "Entities can expand without bound (billion laughs) or read files and URLs (XXE). "
         "virtc never loads a DTD or expands an entity, and refuses such documents outright.",
         "<!DOCTYPE domain [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
         "Delete the DOCTYPE declaration; domain XML needs none."),
    Rule("XML003", "empty-document", E,
         "The file is empty or holds only white space.",
         "An empty file is almost always a failed write or a wrong path.",
         "(a zero-byte file)",
         "Write the domain description into the file, starting with <domain type='…'>."),
    Rule("XML004", "unknown-root-element", E,
         "The root element is not one virtc knows (domain, network).",
         "virtc picks the schema and the rules from the root element.",
         "<domian type='kvm'>…</domian>",
         "Use <domain> for a guest or <network> for a virtual network."),
]
