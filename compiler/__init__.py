"""The virtc compiler: parse, validate, lower into the IR, and check.

Imports here stay cheap: nothing heavy (xmlschema, jinja2) is imported at module load.
"""
