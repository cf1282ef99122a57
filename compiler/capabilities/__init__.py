"""Host capabilities: the IR of a capabilities document, lowering, writing and checking.

A capabilities document lists what one host can run (libvirt's `virsh capabilities`).
virtc reads one (`lower`), writes one from discovery (`format`), and checks domains
against it (`check`, the CAP5xx rules).
"""
