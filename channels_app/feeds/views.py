"""GET /feeds/google.xml, /feeds/local-inventory.xml and /feeds/meta.csv: the last build,
streamed, answering If-None-Match / If-Modified-Since with a 304."""

from django.core.cache import cache
from django.http import Http404, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from channels_app.feeds.snapshots import FEEDS, feed_snapshot
from channels_app.models import FeedSnapshot

CHUNK = 64 * 1024
#: How long a build's content is kept in the cache (it is keyed by its ETag: never stale).
CONTENT_SECONDS = 60 * 60


def _content(name: str, etag: str) -> str:
    key = f"feed-content:{name}:{etag}"
    content = cache.get(key)
    if content is None:
        content = FeedSnapshot.objects.values_list("content", flat=True).get(name=name)
        cache.set(key, content, CONTENT_SECONDS)
    return content


@require_safe
def feed(request, name: str):
    if name not in FEEDS:
        raise Http404("No such feed.")
    meta = (
        FeedSnapshot.objects.filter(name=name)
        .values("etag", "built_at", "content_type", "items")
        .first()
    )
    if meta is None:
        snapshot = feed_snapshot(name=name)
        meta = {f: getattr(snapshot, f) for f in ("etag", "built_at", "content_type", "items")}
    last_modified = int(meta["built_at"].timestamp())
    not_modified = get_conditional_response(request, etag=meta["etag"], last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    content = _content(name, meta["etag"])
    response = StreamingHttpResponse(
        (content[i : i + CHUNK] for i in range(0, len(content), CHUNK)),
        content_type=meta["content_type"],
    )
    response["ETag"] = meta["etag"]
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "public, max-age=60"
    response["X-Feed-Items"] = str(meta["items"])
    return response
