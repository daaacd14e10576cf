"""The three feed formats. Each writer takes the items and returns the feed's bytes and its
validation report (`[{"id", "problem"}]`: items left out, or changed to fit a limit)."""

import csv
import io
from collections.abc import Iterable

from django.conf import settings
from lxml import etree

from channels_app.feeds.source import FeedItem, absolute
from inventory.models import Location

G = "http://base.google.com/ns/1.0"
Report = list[dict[str, str]]


def _g(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, f"{{{G}}}{name}").text = text


def _note(report: Report, item: FeedItem, problem: str) -> None:
    report.append({"id": item.sku, "problem": problem})


def _rss(items_writer, *, title: str) -> bytes:
    """An RSS 2.0 document in the `g:` namespace, written item by item (lxml's incremental
    writer: the whole tree is never held in memory)."""
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("rss", version="2.0", nsmap={"g": G}), xf.element("channel"):
            for name, text in (
                ("title", title),
                ("link", absolute("/")),
                ("description", f"{settings.SHOP_NAME} products"),
            ):
                element = etree.Element(name)
                element.text = text
                xf.write(element)
            items_writer(xf)
    return buffer.getvalue()


def google_feed(items: Iterable[FeedItem]) -> tuple[bytes, int, Report]:
    """Merchant Center product feed: one item per variant, grouped by product."""
    report: Report = []
    count = 0

    def write(xf) -> None:
        nonlocal count
        for item in items:
            if not item.images:
                _note(report, item, "left out: no picture (image_link is required)")
                continue
            element = etree.Element("item")
            _g(element, "id", item.sku)
            _g(element, "item_group_id", item.variant.product.slug)
            etree.SubElement(element, "title").text = item.title
            etree.SubElement(element, "description").text = item.description
            etree.SubElement(element, "link").text = item.link
            links = item.image_links
            _g(element, "image_link", links[0])
            for extra in links[1:11]:
                _g(element, "additional_image_link", extra)
            _g(element, "price", item.price)
            _g(element, "availability", "in_stock" if item.in_stock else "out_of_stock")
            _g(element, "condition", "new")
            _g(element, "product_type", item.variant.product.category.name)
            if item.variant.brand:
                _g(element, "brand", item.variant.brand)
            if item.variant.gtin:
                _g(element, "gtin", item.variant.gtin)
            if item.variant.mpn:
                _g(element, "mpn", item.variant.mpn)
            if not item.variant.gtin and not (item.variant.brand and item.variant.mpn):
                _g(element, "identifier_exists", "no")
            xf.write(element)
            count += 1
            for problem in item.problems:
                _note(report, item, problem)

    return _rss(write, title=f"{settings.SHOP_NAME} products"), count, report


def local_inventory_feed(
    items: Iterable[FeedItem], *, stores: list[Location]
) -> tuple[bytes, int, Report]:
    """Local inventory: one entry per store and variant, with what that store has."""
    count = 0

    def write(xf) -> None:
        nonlocal count
        for item in items:
            for store in stores:
                quantity = item.locations.get(store.code, 0)
                element = etree.Element("item")
                _g(element, "store_code", store.code)
                _g(element, "id", item.sku)
                _g(element, "quantity", str(quantity))
                _g(element, "price", item.price)
                _g(element, "availability", "in_stock" if quantity else "out_of_stock")
                if store.click_and_collect:
                    _g(element, "pickup_method", "buy")
                    _g(element, "pickup_sla", "same day" if quantity else "multi-week")
                xf.write(element)
                count += 1

    return _rss(write, title=f"{settings.SHOP_NAME} local inventory"), count, []


META_COLUMNS = [
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "additional_image_link",
    "brand",
    "gtin",
    "mpn",
    "item_group_id",
    "product_type",
    "quantity_to_sell_on_facebook",
]


def meta_feed(items: Iterable[FeedItem]) -> tuple[bytes, int, Report]:
    """Meta (Facebook and Instagram) catalogue, CSV with Meta's column names."""
    report: Report = []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(META_COLUMNS)
    count = 0
    for item in items:
        variant = item.variant
        if not item.images:
            _note(report, item, "left out: no picture (image_link is required)")
            continue
        if not (variant.brand or variant.gtin or variant.mpn):
            _note(report, item, "left out: needs a brand, GTIN or MPN")
            continue
        links = item.image_links
        writer.writerow(
            [
                item.sku,
                item.title,
                item.description,
                "in stock" if item.in_stock else "out of stock",
                "new",
                item.price,
                item.link,
                links[0],
                ",".join(links[1:21]),
                variant.brand,
                variant.gtin,
                variant.mpn,
                variant.product.slug,
                variant.product.category.name,
                item.online,
            ]
        )
        count += 1
        for problem in item.problems:
            _note(report, item, problem)
    return out.getvalue().encode(), count, report
