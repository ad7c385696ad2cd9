"""Syntax stage."""

from upel.syntax.native import activate

activate()  # the compiled modules or the pure-Python ones: decided before any is imported
