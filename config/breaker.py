"""A circuit breaker for a service the site can do without for a while (Redis as cache, the Celery broker).

After a failure the service is left alone for `retry_seconds`, so a dead server costs one failed attempt per
process every few seconds rather than one per request; the failure is logged at most once per `log_every`
seconds, with the caller's logger and message.
"""

from __future__ import annotations

import logging
import threading
import time


class Breaker:
    def __init__(self, logger: logging.Logger, message: str, retry_seconds: float, log_every: float = 60.0) -> None:
        self.logger, self.message = logger, message
        self.retry_seconds, self.log_every = retry_seconds, log_every
        self.away_until = 0.0
        self.logged_at = -log_every
        self.lock = threading.Lock()

    def is_reachable(self) -> bool:
        """False while the service is being left alone after a failure."""
        return time.monotonic() >= self.away_until

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.away_until = now + self.retry_seconds
            if now - self.logged_at < self.log_every:
                return
            self.logged_at = now
        self.logger.error(self.message, error)
