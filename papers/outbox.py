"""Celery tasks queued with the change that needs them, never lost when the broker is away.

`queue("papers.tasks.x", *args)` writes an `OutboxMessage` in the caller's transaction, so the task exists
exactly when the change does. Once the transaction commits the message is handed to Celery and deleted. If
the broker cannot take it (Redis stopped, restarting, unreachable), the message stays, the request still
succeeds, and the sweep (`relay_waiting`, run each minute by Celery beat and by `manage.py relay_outbox`)
hands it over when the broker answers again. A message may so reach Celery twice (relayed by a request and
by the sweep at the same moment): tasks are idempotent, and the sweep only takes messages older than
SWEEP_AFTER_SECONDS.

After a refusal this process leaves the broker alone for RETRY_SECONDS (config/breaker.py), so that a dead
broker costs one connection attempt every few seconds rather than one per request; it is logged at most once
a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from config.breaker import Breaker

from .models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
SWEEP_AFTER_SECONDS = 30
SWEEP_BATCH = 500
REFUSED = (BrokerError, RedisConnectionError, OSError)


def new_broker_breaker() -> Breaker:
    """This process's view of the broker: left alone for RETRY_SECONDS after it refused a message."""
    message = "The Celery broker refused a task (%s); it waits in the outbox until the broker answers."
    return Breaker(logger, message, RETRY_SECONDS)


broker = new_broker_breaker()


def queue(task: str, *args: object) -> OutboxMessage:
    """Queue the task `task` (its registered name) with `args` once the current transaction commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(partial(relay, [message]))  # its repr names the task
    return message


def relay(messages: Iterable[OutboxMessage]) -> int:
    """Hand the messages to Celery, deleting each one the broker took; return how many it took."""
    sent = 0
    for message in messages:
        if not broker.is_reachable():
            break
        try:
            current_app.signature(message.task, args=message.args).apply_async(retry=False)
        except REFUSED as error:
            broker.failed(error)
            OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1, last_error=str(error))
            break
        OutboxMessage.objects.filter(pk=message.pk).delete()
        sent += 1
    return sent


def relay_waiting(older_than: dt.timedelta = dt.timedelta(seconds=SWEEP_AFTER_SECONDS)) -> int:
    """The sweep: relay every message left waiting (the broker was away when it was written)."""
    sent = 0
    while True:
        waiting = list(OutboxMessage.objects.filter(created_at__lte=timezone.now() - older_than)[:SWEEP_BATCH])
        took = relay(waiting)
        sent += took
        if took < len(waiting) or len(waiting) < SWEEP_BATCH:
            return sent
