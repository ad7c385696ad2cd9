"""Shared pieces of the rule implementations."""

# Actions get this environment and nothing else (never the user's shell
# environment): the same inputs give the same outputs on every machine.
ACTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
}

# Sandboxed, and no network for any upel action.
EXECUTION_REQUIREMENTS = {"block-network": ""}

TOOL_ATTR = attr.label(
    default = Label("//:upel_action"),
    executable = True,
    cfg = "exec",
    doc = "The upel action tool (a py_binary over the hash-pinned Python environment).",
)
