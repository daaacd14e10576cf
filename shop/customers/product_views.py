"""Product views on the timeline, written in bulk rather than one INSERT per page view.

The product page is the most requested page of the shop, so a view only goes into a buffer
(`product_view_buffer`) and a flush (`product_views_flush`) writes what the buffer holds with
one bulk INSERT: the beat task `flush_product_views` every minute, and a sign-in or a checkout
before it joins a visitor's views to their customer.

The buffer is a Redis list when the cache is Redis (`CACHE_URL=redis://...`, production): one
RPUSH per view, shared by every process, so any process can flush all of it. Otherwise it is a
list in the process's memory (no I/O at all), which a Celery worker cannot reach: it flushes
itself once it holds `BUFFER_SIZE` views or its oldest is `FLUSH_SECONDS` old, in the request
that finds it so (one bulk INSERT per minute and process at most, not one per view).

Anonymous views are kept against the visitor id of the `visitor` cookie, not the session key:
Django gives the session a new key at sign-in, so the key a view was stored under no longer
names the visitor when the sign-in is handled, and a visitor without a session would need a
session row written on their first page.

What can be lost: the views buffered by a process that dies before it flushes (a minute's
worth at most), or reported while Redis is down. Without Redis, the views another process
still holds at a sign-in stay anonymous until the visitor's next sign-in or checkout. They
record browsing, not business facts.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, transaction
from django.utils import timezone

from shop.channels import Channel
from shop.customers.models import Customer, CustomerEvent

logger = logging.getLogger(__name__)

#: The in-process buffer flushes itself past this many views...
BUFFER_SIZE = 500
#: ...or when its oldest view is this old (seconds).
FLUSH_SECONDS = 60
#: Views written per bulk INSERT, and batches per flush at most (the rest waits for the next).
FLUSH_BATCH = 1000
FLUSH_MAX_BATCHES = 50
#: The same product seen again by the same person within this many seconds (a reload, the
#: back button) is one view.
REPEAT_SECONDS = 300
REDIS_KEY = "customers:product-views"


class Buffer(Protocol):
    def push(self, item: str) -> bool:
        """Adds one view; True when the buffer should be flushed now."""

    def take(self, count: int) -> list[str]:
        """Removes and returns up to `count` of the oldest views."""

    def put_back(self, items: list[str]) -> None:
        """Returns views taken but not written, ahead of the others."""

    def clear(self) -> None: ...


class LocalBuffer:
    """Views of this process, in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[str] = []
        self._since: float | None = None

    def push(self, item: str) -> bool:
        with self._lock:
            self._items.append(item)
            if self._since is None:
                self._since = time.monotonic()
            return (
                len(self._items) >= BUFFER_SIZE or time.monotonic() - self._since >= FLUSH_SECONDS
            )

    def take(self, count: int) -> list[str]:
        with self._lock:
            taken, self._items = self._items[:count], self._items[count:]
            if not self._items:
                self._since = None
            return taken

    def put_back(self, items: list[str]) -> None:
        with self._lock:
            self._items[:0] = items
            if self._items and self._since is None:
                self._since = time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._items, self._since = [], None


class RedisBuffer:
    """Views of every process, in a Redis list of the cache's server. Redis being down never
    fails a page: the view is dropped with a warning."""

    def __init__(self, cache: RedisCache) -> None:
        self.key = cache.make_key(REDIS_KEY)
        # Django's Redis cache keeps its connection pool in its client; lists are not part of
        # the cache API, so the list commands go to that client's connection.
        self._client = cache._cache.get_client(self.key, write=True)

    def push(self, item: str) -> bool:
        from redis import RedisError

        try:
            return self._client.rpush(self.key, item) >= BUFFER_SIZE
        except RedisError:
            logger.warning("Product view dropped: Redis did not answer", exc_info=True)
            return False

    def take(self, count: int) -> list[str]:
        from redis import RedisError

        pipe = self._client.pipeline(transaction=True)  # read and cut in one step
        pipe.lrange(self.key, 0, count - 1)
        pipe.ltrim(self.key, count, -1)
        try:
            items, _ = pipe.execute()
        except RedisError:
            logger.warning("Product views not flushed: Redis did not answer", exc_info=True)
            return []
        return [item.decode() if isinstance(item, bytes) else item for item in items]

    def put_back(self, items: list[str]) -> None:
        if items:
            self._client.lpush(self.key, *reversed(items))

    def clear(self) -> None:
        self._client.delete(self.key)


_local = LocalBuffer()


def product_views_buffer() -> Buffer:
    """The buffer for the cache in use: Redis's list, else this process's."""
    cache = caches["default"]
    return RedisBuffer(cache) if isinstance(cache, RedisCache) else _local


@dataclass(frozen=True)
class ProductView:
    customer_id: int | None
    visitor: str
    product: str
    name: str
    at: datetime

    def dumps(self) -> str:
        return json.dumps(
            [self.customer_id, self.visitor, self.product, self.name, self.at.timestamp()]
        )

    @classmethod
    def loads(cls, item: str) -> "ProductView | None":
        try:
            customer_id, visitor, product, name, at = json.loads(item)
            return cls(
                customer_id=int(customer_id) if customer_id else None,
                visitor=str(visitor or ""),
                product=str(product),
                name=str(name),
                at=datetime.fromtimestamp(float(at), tz=UTC),
            )
        except (TypeError, ValueError):
            logger.warning("Unreadable product view dropped: %r", item[:200])
            return None


def product_view_buffer(
    *, product: str, name: str, customer: Customer | None = None, visitor: str = ""
) -> None:
    """Notes that `customer` (or the anonymous `visitor`) looked at the product with slug
    `product`: one append to the buffer, written later by a flush."""
    if customer is None and not visitor:
        return
    view = ProductView(
        customer_id=customer.pk if customer else None,
        visitor="" if customer else visitor,
        product=product,
        name=name,
        at=timezone.now(),
    )
    buffer = product_views_buffer()
    if buffer.push(view.dumps()) and isinstance(buffer, LocalBuffer):
        # Nobody else can reach this process's buffer: it is written now. (Redis's list is
        # flushed by the beat task; its length only says how much waits.)
        try:
            product_views_flush()
        except DatabaseError:
            logger.exception("Product views not flushed; kept for the next flush")


def _existing(views: list[ProductView]) -> set[int]:
    """The customers of these views that still exist (a merged one is gone)."""
    ids = {v.customer_id for v in views if v.customer_id}
    return set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def _events(views: list[ProductView]) -> list[CustomerEvent]:
    existing = _existing(views)
    last_seen: dict[tuple, datetime] = {}
    events = []
    for view in sorted(views, key=lambda v: v.at):
        if view.customer_id and view.customer_id not in existing:
            continue  # the customer was merged or deleted meanwhile
        who = (view.customer_id or view.visitor, view.product)
        seen = last_seen.get(who)
        if seen is not None and (view.at - seen).total_seconds() < REPEAT_SECONDS:
            continue
        last_seen[who] = view.at
        events.append(
            CustomerEvent(
                customer_id=view.customer_id,
                visitor=view.visitor,
                kind=CustomerEvent.Kind.PRODUCT_VIEWED,
                channel=Channel.WEB,
                created_at=view.at,
                payload={"product": view.product, "name": view.name},
            )
        )
    return events


def product_views_flush() -> int:
    """Writes the buffered views, a batch per bulk INSERT; returns how many events were
    written. A batch the database refuses goes back to the buffer and the error is raised."""
    buffer = product_views_buffer()
    written = 0
    for _ in range(FLUSH_MAX_BATCHES):
        items = buffer.take(FLUSH_BATCH)
        if not items:
            break
        views = [view for view in map(ProductView.loads, items) if view is not None]
        try:
            with transaction.atomic():
                written += len(CustomerEvent.objects.bulk_create(_events(views)))
        except DatabaseError:
            buffer.put_back(items)
            raise
    return written


@transaction.atomic
def product_views_adopt(*, visitor: str, customer: Customer) -> int:
    """The anonymous views of `visitor` become `customer`'s (at sign-in, at checkout), those
    still buffered included. Returns how many joined."""
    if not visitor:
        return 0
    try:
        with transaction.atomic():
            product_views_flush()
    except DatabaseError:
        logger.exception("Buffered product views not flushed before joining them")
    return CustomerEvent.objects.filter(visitor=visitor, customer__isnull=True).update(
        customer=customer
    )
