"""virtc: validate libvirt-style domain XML and compile it to QEMU argv or Xen config."""
__version__ = "0.1.0"
