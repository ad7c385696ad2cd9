"""Hypothesis profiles for the front-end fuzz tests.

`ci` (loaded when the CI environment variable is set) is derandomized, so a
CI run is reproducible, and large enough that the fuzz suite runs more than
2,000 examples in total (each test scales `max_examples` by its own factor,
see `examples()` in test_fuzz_frontend.py). `dev` is the quick local default
(`CI=1 pytest tests/fuzz` runs the CI budget locally).

Note that hypothesis profiles are process-wide: with CI set, tests elsewhere
that do not pass their own `max_examples` also get the `ci` budget.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    "print_blob": True,
}

settings.register_profile("ci", max_examples=500, derandomize=True, database=None, **_COMMON)
settings.register_profile("dev", max_examples=100, **_COMMON)
# A long local campaign: UPEL_FUZZ_EXAMPLES=20000 pytest tests/fuzz (random, not derandomized).
settings.register_profile("long", max_examples=int(os.environ.get("UPEL_FUZZ_EXAMPLES", "0") or 0) or 100,
                          database=None, **_COMMON)
settings.load_profile("long" if os.environ.get("UPEL_FUZZ_EXAMPLES") else "ci" if os.environ.get("CI") else "dev")
