"""The outbox: side effects written with the change that causes them, delivered once.

`outbox_enqueue` writes the row inside the caller's transaction and, after commit, publishes
a task for it. Publishing is never allowed to fail the caller: with the broker down the row
simply waits for the sweeper (`shop.outbox.delivery.outbox_deliver_due`, on beat), which
delivers whatever a lost message, a broker outage or a killed worker left pending.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from shop.outbox.handlers import handler_for
from shop.outbox.models import OutboxMessage
from shop.outbox.tasks import deliver_outbox_message

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status


def outbox_enqueue(*, topic: str, key: str, payload: dict[str, Any] | None = None) -> None:
    """Records the side effect `key` (once: asking twice is one row) and publishes its delivery
    after the surrounding transaction commits."""
    handler_for(topic)  # a typo in a topic fails here, in the caller's tests, not in a worker
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(topic=topic, key=key, payload=payload or {}, available_at=timezone.now())],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: _publish(key), robust=True)


def _publish(key: str) -> None:
    try:
        deliver_outbox_message.delay(key)
    except Exception:  # the broker is down: the sweeper delivers it later
        logger.warning("Could not publish outbox message %s; left for the sweeper", key)


def outbox_retry(*, message: OutboxMessage) -> bool:
    """A failed message is tried again (an admin action): pending and due at once."""
    retried = OutboxMessage.objects.filter(pk=message.pk, status=Status.FAILED).update(
        status=Status.PENDING, available_at=timezone.now(), attempts=0
    )
    if retried:
        transaction.on_commit(lambda: _publish(message.key), robust=True)
    return bool(retried)
