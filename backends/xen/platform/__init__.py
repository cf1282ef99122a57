"""Xen's side of the domain-level elements of compiler/platform/, one module each
(cpu.py: vcpus, maxvcpus/vcpu_avail, cpus, nestedhvm, cpuid), format and parse together."""
