"""The clock moved on, for what may lag behind by a bounded time (a member's recent page renders)."""

import time
from unittest import mock


def later(seconds: float):
    """The clock `seconds` ahead: what may lag behind by that much is current."""
    return mock.patch("time.time", return_value=time.time() + seconds)
