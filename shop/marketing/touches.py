"""Touches: recognising one in a storefront request, recording it, joining it to a customer.

A touch is a landing from a campaign link (`utm_*`), an ad click id (`gclid`, `fbclid`) or
another site (an external `Referer`); an internal page view or a bookmarked visit records
nothing. Only a request that carries one writes a row (one INSERT), so a page view without
one costs the database nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from inventory.models import Location
from shop.customers.models import Customer
from shop.marketing.models import Touch

Group = Touch.Group

SEARCH_ENGINES = (
    "google", "bing", "duckduckgo", "yahoo", "ecosia", "qwant", "baidu", "yandex", "startpage",
    "brave", "search.",
)  # fmt: skip
SOCIAL_SITES = (
    "facebook", "instagram", "t.co", "twitter", "x.com", "linkedin", "pinterest", "tiktok",
    "youtube", "reddit", "snapchat", "threads.net", "mastodon",
)  # fmt: skip
EMAIL_MEDIUMS = {"email", "e-mail", "e_mail", "newsletter", "mail"}
PAID_MEDIUMS = {"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "sem"}
SOCIAL_MEDIUMS = {"social", "social-network", "social_network", "sm", "paid_social", "paidsocial"}
QR_MEDIUMS = {"qr", "qr_code", "qrcode", "qr-code"}
#: Lengths the database columns take; longer values are cut, never refused.
LIMITS = {"source": 100, "medium": 100, "campaign": 100, "referrer_host": 255, "landing_path": 300}


@dataclass(frozen=True)
class TouchInfo:
    channel: str
    source: str = ""
    medium: str = ""
    campaign: str = ""
    click_id: str = ""
    referrer_host: str = ""
    landing_path: str = ""
    store_code: str = ""


def _host_matches(host: str, names: tuple[str, ...]) -> bool:
    labels = host.removeprefix("www.")
    return any(
        labels == name or labels.startswith(name + ".") or f".{name}." in f".{labels}." or
        (name.endswith(".") and labels.startswith(name))
        for name in names
    )  # fmt: skip


def referrer_group(host: str) -> str:
    if _host_matches(host, SEARCH_ENGINES):
        return Group.ORGANIC_SEARCH
    if _host_matches(host, SOCIAL_SITES):
        return Group.SOCIAL
    if host.startswith(("mail.", "webmail.", "outlook.")):
        return Group.EMAIL
    return Group.REFERRAL


def _utm_group(medium: str, source: str, referrer_host: str) -> str:
    medium, source = medium.lower(), source.lower()
    if medium in QR_MEDIUMS:
        return Group.QR
    if medium in EMAIL_MEDIUMS or source in EMAIL_MEDIUMS:
        return Group.EMAIL
    if medium in PAID_MEDIUMS:
        return Group.PAID_SEARCH
    if medium in SOCIAL_MEDIUMS or _host_matches(source, SOCIAL_SITES):
        return Group.SOCIAL
    if medium in {"organic", "seo"} or _host_matches(source, SEARCH_ENGINES):
        return Group.ORGANIC_SEARCH
    if medium == "referral":
        return Group.REFERRAL
    return referrer_group(referrer_host) if referrer_host else Group.REFERRAL


def touch_from_request(
    *, params, referrer: str, own_host: str, path: str, store_param: str = "store"
) -> TouchInfo | None:
    """The touch a storefront request carries, or None. `params`: the query (a QueryDict or
    dict); `referrer`: the Referer header; `own_host`: the shop's host (its own pages are not
    referrers)."""
    source = params.get("utm_source", "").strip()
    medium = params.get("utm_medium", "").strip()
    campaign = params.get("utm_campaign", "").strip()
    host = (urlsplit(referrer).hostname or "").lower() if referrer else ""
    if host == own_host.lower().split(":")[0]:
        host = ""
    store_code = params.get(store_param, "")
    common = {"referrer_host": host, "landing_path": path, "store_code": store_code}
    if source or medium or campaign:
        return TouchInfo(
            channel=_utm_group(medium, source, host),
            source=source or host or "(not set)",
            medium=medium,
            campaign=campaign,
            click_id="gclid" if params.get("gclid") else "fbclid" if params.get("fbclid") else "",
            **common,
        )
    if params.get("gclid"):
        return TouchInfo(
            channel=Group.PAID_SEARCH, source="google", medium="cpc", click_id="gclid", **common
        )
    if params.get("fbclid"):
        return TouchInfo(
            channel=Group.SOCIAL, source="facebook", medium="social", click_id="fbclid", **common
        )
    if host:
        group = referrer_group(host)
        medium = {Group.ORGANIC_SEARCH: "organic", Group.SOCIAL: "social"}.get(group, "referral")
        return TouchInfo(channel=group, source=host.removeprefix("www."), medium=medium, **common)
    return None


def touch_record(
    *,
    info: TouchInfo,
    visitor: str = "",
    customer: Customer | None = None,
    store=None,
    at: datetime | None = None,
) -> Touch:
    """Writes one touch (one INSERT). `store`: a Location, else looked up by `info.store_code`
    only when there is one."""
    if store is None and info.store_code:
        store = Location.objects.filter(code=info.store_code[:32]).first()
    values = {field: getattr(info, field)[:limit] for field, limit in LIMITS.items()}
    return Touch.objects.create(
        channel=info.channel,
        click_id=info.click_id,
        store=store,
        visitor=visitor,
        customer=customer,
        at=at or timezone.now(),
        **values,
    )


@transaction.atomic
def touches_adopt(*, visitor: str, customer: Customer) -> int:
    """The anonymous touches of `visitor` become `customer`'s (at sign-in, at checkout)."""
    if not visitor:
        return 0
    return Touch.objects.filter(visitor=visitor, customer__isnull=True).update(customer=customer)


def touch_handoff_scan(*, customer: Customer | None, store: Location) -> Touch | None:
    """A clerk scanned the QR code of a shopper's saved cart at `store`: a touch of the till
    for the cart's customer (an anonymous cart names no one to credit)."""
    if customer is None:
        return None
    return touch_record(
        info=TouchInfo(channel="pos", source="handoff_qr", medium="qr"),
        customer=customer,
        store=store,
    )
