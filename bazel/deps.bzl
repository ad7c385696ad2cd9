"""WORKSPACE setup for rules_upel: call upel_dependencies() after loading it."""

load("//bazel/private:python_deps.bzl", "upel_python_deps")

def upel_dependencies():
    """Declares @upel_python, the hash-pinned Python environment of the upel tools."""
    if not native.existing_rule("upel_python"):
        upel_python_deps(name = "upel_python")
