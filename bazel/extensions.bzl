"""Module extensions for bzlmod users (Bazel 7/8). Not loaded by Bazel 4.2."""

load("//bazel/private:python_deps.bzl", "upel_python_deps")

def _upel_python_impl(module_ctx):
    upel_python_deps(name = "upel_python")

upel_python = module_extension(implementation = _upel_python_impl)
