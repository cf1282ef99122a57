"""Rules of the parse family (XML0xx): the document is not readable XML."""
from . import Rule, codes

RULES = [
    Rule(codes.XML001, "xml-syntax-error",
         "The file is not well-formed XML.",
         "Nothing can be checked or compiled until the XML parses; libxml2 names the first "
         "position where the text stops being XML.",
         "<mac address=\"11:22:33:44:55:66:/>   (the quote is never closed)",
         "Fix the text at the reported line and column; the hint names an unclosed attribute "
         "quote when that is the cause."),
    Rule(codes.XML002, "doctype-refused",
         "The document has a DOCTYPE that declares entities, names an external DTD, or has "
         "an internal subset; or it refers to an external resource in some other way.",
         "Entities can expand without bound (billion laughs) or read files and URLs (XXE), "
         "and an error message can leak what was read. virtc checks the prolog before "
         "libxml2 sees the document, never loads a DTD or expands an entity, and refuses "
         "such documents outright. Only a bare <!DOCTYPE domain> is accepted.",
         "<!DOCTYPE domain [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
         "Delete the DOCTYPE declaration; domain XML needs none."),
    Rule(codes.XML003, "empty-document",
         "The file is empty or holds only white space.",
         "An empty file is almost always a failed write or a wrong path.",
         "(a zero-byte file)",
         "Write the domain description into the file, starting with <domain type='…'>."),
    Rule(codes.XML004, "unknown-root-element",
         "The root element is not one virtc knows (domain, network, capabilities).",
         "virtc picks the schema and the rules from the root element.",
         "<domian type='kvm'>…</domian>",
         "Use <domain> for a guest or <network> for a virtual network."),
    Rule(codes.XML005, "input-too-large",
         "The file is larger than the input limit (10 MiB unless --max-size says otherwise), "
         "or holds a text node or name longer than libxml2's 10,000,000-character limit.",
         "A domain description is a few KiB. A huge file is a wrong path or an attempt to "
         "exhaust memory on the machine that checks pull requests; virtc reads no more than "
         "the limit and parses nothing.",
         "<domain type='kvm'><name>AAAA…(20 MiB)…</name></domain>",
         "Check that the path names the domain XML, not an image or a log. If the file is "
         "really that large, raise the limit with --max-size BYTES."),
    Rule(codes.XML006, "nesting-too-deep",
         "Elements nest more than 64 levels deep.",
         "Domain XML nests about five levels. Deep nesting costs stack and time in every "
         "later stage and is a classic way to crash parsers; libxml2 itself stops at 256.",
         "<domain><a><a><a>…5,000 levels…</a></a></a></domain>",
         "Check that the file is a domain description; flatten the document."),
    Rule(codes.XML007, "bad-encoding",
         "The text is not valid in its encoding, or declares an encoding virtc can't read.",
         "Bytes that don't decode can't be checked; guessing would let a value mean one "
         "thing to virtc and another to the tool that reads the output.",
         "<?xml version='1.0' encoding='UTF-8'?><domain><name>caf\\xe9</name>   "
         "(a Latin-1 byte in a UTF-8 file)",
         "Save the file as UTF-8 (most editors: 'save with encoding'), or declare the "
         "encoding it really has in the XML declaration."),
    Rule(codes.XML008, "binary-input",
         "The file holds binary data (a NUL byte) rather than XML text.",
         "A NUL byte never appears in XML text in an 8-bit encoding; the file is a disk "
         "image, an archive or a corrupted write.",
         "QFI\\xfb\\x00\\x00\\x00\\x03…   (a qcow2 image passed by mistake)",
         "Point virtc at the domain XML file."),
    Rule(codes.XML009, "unreadable-file",
         "The Python API (virtc.validate, virtc.compile) was given a path it cannot read: it "
         "does not exist, is a directory, or is not readable.",
         "Scripts get every problem as a diagnostic instead of an exception; the command line "
         "reports the same case as an I/O error with exit status 2.",
         "virtc.validate('/etc/libvirt/qemu/gest.xml')   (a misspelled path)",
         "Pass an existing, readable file, or the document itself as bytes."),
]
