"""Suite-wide test setup: hypothesis profiles and the strict (NumPy-refusing) test device.

Profiles: ``ci`` (the default: few examples, no deadline, so the whole suite stays
fast on two cores) and ``dev`` (many more examples, for a thorough run):
``HYPOTHESIS_PROFILE=dev pytest``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.helpers import strict_backend

settings.register_profile(
    "ci",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "dev",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The "strict" device: arrays that refuse implicit conversion to NumPy, as CuPy's do,
# so any stray np.* call on device data fails on a CPU-only CI machine.
strict_backend.register()
