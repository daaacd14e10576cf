"""Building the feeds and keeping their last build.

A feed is built from the catalogue and the stock as they are at one moment and kept as a
`FeedSnapshot`; requests serve the snapshot (with its ETag and Last-Modified), never a live
build. The beat job `rebuild_feeds` (every minute) rebuilds the feeds when the stock
fingerprint moved: a sale, receipt, adjustment, transfer, reservation or release, a lapsed
hold, or any catalogue change. Building twice from the same fingerprint changes nothing.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from channels_app.feeds.formats import google_feed, local_inventory_feed, meta_feed
from channels_app.feeds.source import feed_items, feed_locations
from channels_app.models import FeedSnapshot
from inventory.models import Location, Reservation, Stock, StockMovement
from shop.catalog.cache import catalogue_version

#: A feed is rebuilt at least this often, changed or not.
MAX_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class Feed:
    name: str
    content_type: str
    build: Callable[[list[Location]], tuple[bytes, int, list]]


FEEDS = {
    feed.name: feed
    for feed in (
        Feed(
            "google.xml",
            "application/rss+xml; charset=utf-8",
            lambda locations: google_feed(feed_items(locations=locations)),
        ),
        Feed(
            "local-inventory.xml",
            "application/rss+xml; charset=utf-8",
            lambda locations: local_inventory_feed(
                feed_items(locations=locations),
                stores=[loc for loc in locations if loc.kind == Location.Kind.STORE],
            ),
        ),
        Feed(
            "meta.csv",
            "text/csv; charset=utf-8",
            lambda locations: meta_feed(feed_items(locations=locations)),
        ),
    )
}


def stock_fingerprint() -> str:
    """Changes whenever what a feed says could: the newest ledger movement and reservation,
    the units reserved and kept as safety stock, the holds that lapsed unreleased, and the
    catalogue version. Four small aggregate queries."""
    stock = Stock.objects.aggregate(reserved=Sum("reserved"), safety=Sum("safety_stock"))
    parts = [
        StockMovement.objects.aggregate(last=Max("id"))["last"],
        Reservation.objects.aggregate(last=Max("id"))["last"],
        stock["reserved"],
        stock["safety"],
        Reservation.objects.expired_unreleased().count(),
        Location.objects.filter(is_active=True).aggregate(last=Max("id"))["last"],
        catalogue_version(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def feed_build(*, name: str, fingerprint: str = "") -> FeedSnapshot:
    """Builds feed `name` now and stores it as its snapshot."""
    feed = FEEDS[name]
    fingerprint = fingerprint or stock_fingerprint()
    started = time.monotonic()
    content, items, report = feed.build(feed_locations())
    snapshot, _ = FeedSnapshot.objects.update_or_create(
        name=name,
        defaults={
            "content": content.decode(),
            "content_type": feed.content_type,
            "etag": '"' + hashlib.sha256(content).hexdigest()[:32] + '"',
            "built_at": timezone.now(),
            "fingerprint": fingerprint,
            "items": items,
            "report": report,
            "left_out": len(report),
            "build_seconds": round(time.monotonic() - started, 3),
        },
    )
    return snapshot


def feeds_rebuild(*, force: bool = False) -> list[str]:
    """Rebuilds every feed whose snapshot is older than the stock fingerprint, or than
    MAX_AGE (what the fingerprint cannot see, e.g. a catalogue version held in another
    process's local cache); returns their names."""
    fingerprint = stock_fingerprint()
    oldest = timezone.now() - MAX_AGE
    current = {
        name: (built, at)
        for name, built, at in FeedSnapshot.objects.values_list("name", "fingerprint", "built_at")
    }
    stale = [
        name
        for name in FEEDS
        if force
        or name not in current
        or current[name][0] != fingerprint
        or current[name][1] < oldest
    ]
    for name in stale:
        feed_build(name=name, fingerprint=fingerprint)
    return stale


def feed_snapshot(*, name: str) -> FeedSnapshot:
    """The stored build of `name`, built now if there is none yet."""
    snapshot = FeedSnapshot.objects.filter(name=name).first()
    return snapshot if snapshot is not None else feed_build(name=name)
