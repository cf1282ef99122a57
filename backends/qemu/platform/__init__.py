"""QEMU builders for the domain-level elements of compiler/platform/, one module each
(cpu.py: -cpu and -smp), as backends/qemu/devices/ holds the device families' builders."""
