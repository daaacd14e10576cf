"""Delivering outbox messages: one at a time by its task, or all that are due by the sweeper.

Delivery claims the row with one conditional UPDATE that moves `available_at` a lease ahead,
so two deliverers (the task and the sweeper, a redelivered task) never both run a handler; a
deliverer killed mid-way leaves the row pending, and it is tried again when the lease ends.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.outbox.handlers import handler_for
from shop.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status


def _lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def _backoff(attempts: int) -> timedelta:
    """Half a minute, then doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def outbox_deliver(*, key: str) -> bool:
    """Delivers one pending message if it is due and no one else holds it. True if delivered
    now; False if it was already delivered, held by another deliverer, or failed this time."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        key=key, status=Status.PENDING, available_at__lte=now
    ).update(available_at=now + _lease(), attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(key=key)
    try:
        with transaction.atomic():
            handler_for(message.topic)(message.payload)
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=Status.DONE, delivered_at=timezone.now(), last_error=""
            )
    except Exception as exc:
        logger.exception("Outbox message %s failed (attempt %s)", key, message.attempts)
        gave_up = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=Status.FAILED if gave_up else Status.PENDING,
            available_at=timezone.now() + _backoff(message.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return False
    return True


def outbox_deliver_due(*, limit: int = 500) -> int:
    """The sweeper: delivers every pending message that is due, oldest first. Returns how many
    were delivered."""
    keys = list(
        OutboxMessage.objects.filter(status=Status.PENDING, available_at__lte=timezone.now())
        .order_by("available_at", "id")
        .values_list("key", flat=True)[:limit]
    )
    return sum(outbox_deliver(key=key) for key in keys)
