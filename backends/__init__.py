"""Backends render the IR into a target's launch format. They never import lxml."""
