"""Rules for checks against a schema the user supplies with `--schema FILE`.

They share the XSD1xx family with virtc's own schema rules: the finding is still "the
document does not have the shape a schema wants", only the schema is someone else's.
"""
from . import Rule, codes

RULES = [
    Rule(codes.XSD109, "external-schema-violation",
         "The document does not validate against a schema given with --schema.",
         "Teams often hold their XML to a stricter or newer grammar than virtc's, for example "
         "libvirt's own domain.rng, to be sure libvirt will accept what virtc accepts. The "
         "message is libxml2's, prefixed with the schema's file name.",
         "virtc validate --schema /usr/share/libvirt/schemas/domain.rng vm.xml",
         "Change the document so both schemas accept it, or, if the external schema is wrong "
         "for your use, stop passing it. virtc's own diagnostics usually point closer to the "
         "defect; fix those first."),
]
