"""Product feeds: Google Merchant Center (RSS 2.0, `g:`), local inventory and Meta CSV, built
from the shared stock, served from their last build with ETag/Last-Modified, rebuilt when the
stock moves."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from channels_app.feeds.snapshots import feed_build, feeds_rebuild
from channels_app.feeds.source import DESCRIPTION_MAX, TITLE_MAX
from channels_app.models import FeedSnapshot
from tests import factories
from tests.catalog_support import add_picture
from tests.channels_app.support import receive
from tests.conftest import admin_client, auth

G = "{http://base.google.com/ns/1.0}"
GOOGLE = "/feeds/google.xml"
LOCAL = "/feeds/local-inventory.xml"
META = "/feeds/meta.csv"

CARD = {"method": "card", "terminal_reference": "T-1"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(warehouse, store, other_store):
    """A jumper (two sizes, pictured, with GTINs), a scarf without identifiers, a long-named
    cap and an unpictured mug; stock at the warehouse and the stores."""
    other_store.click_and_collect = False
    other_store.save()
    category = factories.CategoryFactory(name="Knitwear", slug="knitwear")
    jumper = factories.ProductFactory(name="Merino Jumper", slug="merino-jumper", category=category)
    identified = (("JMP-M", "79.00", "4006381333931"), ("JMP-L", "84.50", "036000291452"))
    medium, large = (
        factories.VariantFactory(
            product=jumper,
            sku=sku,
            name=f"Navy / {sku[-1]}",
            price=Decimal(price),
            gtin=gtin,
            brand="Atelier",
            mpn=sku,
        )
        for sku, price, gtin in identified
    )
    add_picture(jumper, alt="Jumper, front")
    add_picture(jumper, alt="Jumper, back")
    scarf = factories.ProductFactory(name="Scarf", slug="scarf", category=category)
    bare = factories.VariantFactory(product=scarf, sku="SCF", name="", gtin="", brand="", mpn="")
    add_picture(scarf)
    cap = factories.ProductFactory(
        name="Cap " + "x" * 190, slug="cap", category=category, description="d" * 6000
    )
    long = factories.VariantFactory(product=cap, sku="CAP", name="", brand="Atelier")
    add_picture(cap, alt="Cap")
    mug = factories.ProductFactory(name="Mug", slug="mug", category=category)
    factories.VariantFactory(product=mug, sku="MUG", brand="Atelier")
    receive(warehouse, medium, 5)
    receive(store, large, 1)
    receive(store, medium, 2)
    receive(other_store, long, 3)
    return {"medium": medium, "large": large, "bare": bare, "long": long}


def google_items(client) -> dict[str, etree._Element]:
    response = client.get(GOOGLE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = etree.fromstring(b"".join(response.streaming_content))
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    return {item.findtext(f"{G}id"): item for item in root.iter("item")}


def local_entries(client) -> dict[tuple[str, str], etree._Element]:
    root = etree.fromstring(b"".join(client.get(LOCAL).streaming_content))
    return {
        (entry.findtext(f"{G}store_code"), entry.findtext(f"{G}id")): entry
        for entry in root.iter("item")
    }


def meta_rows(client) -> dict[str, dict[str, str]]:
    text = b"".join(client.get(META).streaming_content).decode()
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


class TestGoogleFeed:
    REQUIRED = ("id", "image_link", "price", "availability", "condition", "item_group_id")

    def test_every_item_has_the_required_fields(self, client, shop):
        items = google_items(client)

        assert set(items) == {"JMP-M", "JMP-L", "SCF", "CAP"}
        for sku, item in items.items():
            for name in self.REQUIRED:
                assert item.findtext(f"{G}{name}"), (sku, name)
            for name in ("title", "description", "link"):
                assert item.findtext(name), (sku, name)
            assert item.findtext(f"{G}condition") == "new"

    def test_values(self, client, shop):
        medium = google_items(client)["JMP-M"]

        assert medium.findtext("title") == "Merino Jumper — Navy / M"
        assert medium.findtext("link") == "http://127.0.0.1:8000/p/merino-jumper/?sku=JMP-M"
        assert medium.findtext(f"{G}price") == "79.00 EUR"
        assert medium.findtext(f"{G}item_group_id") == "merino-jumper"
        assert medium.findtext(f"{G}gtin") == "4006381333931"
        assert medium.findtext(f"{G}brand") == "Atelier"
        assert medium.findtext(f"{G}image_link").startswith(
            "http://127.0.0.1:8000/media/CACHE/images/products/merino-jumper/"
        )
        assert len(medium.findall(f"{G}additional_image_link")) == 1
        assert medium.find(f"{G}identifier_exists") is None

    def test_availability_is_what_ships_online(self, client, shop):
        items = google_items(client)

        assert items["JMP-M"].findtext(f"{G}availability") == "in_stock"  # the warehouse
        assert items["JMP-L"].findtext(f"{G}availability") == "out_of_stock"  # a store only
        assert items["SCF"].findtext(f"{G}availability") == "out_of_stock"

    def test_no_gtin_says_identifier_exists_no(self, client, shop):
        scarf = google_items(client)["SCF"]
        assert scarf.findtext(f"{G}identifier_exists") == "no"
        assert scarf.find(f"{G}gtin") is None

    def test_limits_are_kept_and_reported(self, client, shop):
        cap = google_items(client)["CAP"]

        assert len(cap.findtext("title")) == TITLE_MAX
        assert len(cap.findtext("description")) == DESCRIPTION_MAX
        report = FeedSnapshot.objects.get(name="google.xml").report
        assert {"id": "CAP", "problem": "title shortened to 150 characters"} in report
        assert {"id": "CAP", "problem": "description shortened to 5000 characters"} in report

    def test_an_item_without_a_picture_is_left_out_and_reported(self, client, shop):
        assert "MUG" not in google_items(client)
        report = FeedSnapshot.objects.get(name="google.xml").report
        assert {"id": "MUG", "problem": "left out: no picture (image_link is required)"} in report

    def test_inactive_variants_are_not_listed(self, client, shop):
        shop["large"].is_active = False
        shop["large"].save()
        assert "JMP-L" not in google_items(client)


class TestLocalInventoryFeed:
    def test_one_entry_per_store_and_variant(self, client, shop, store, other_store):
        entries = local_entries(client)

        skus = {"JMP-M", "JMP-L", "SCF", "CAP", "MUG"}
        assert set(entries) == {(s.code, sku) for s in (store, other_store) for sku in skus}
        here = entries[(store.code, "JMP-L")]
        assert here.findtext(f"{G}quantity") == "1"
        assert here.findtext(f"{G}availability") == "in_stock"
        assert here.findtext(f"{G}pickup_method") == "buy"
        assert here.findtext(f"{G}pickup_sla") == "same day"
        assert entries[(store.code, "SCF")].findtext(f"{G}availability") == "out_of_stock"

    def test_pickup_only_where_click_and_collect(self, client, shop, other_store):
        there = local_entries(client)[(other_store.code, "CAP")]
        assert there.findtext(f"{G}quantity") == "3"
        assert there.find(f"{G}pickup_method") is None


class TestMetaFeed:
    def test_columns_and_values(self, client, shop):
        rows = meta_rows(client)

        assert set(rows) == {"JMP-M", "JMP-L", "CAP"}
        medium = rows["JMP-M"]
        assert medium["availability"] == "in stock"
        assert medium["price"] == "79.00 EUR"
        assert medium["condition"] == "new"
        assert medium["gtin"] == "4006381333931"
        assert medium["image_link"].startswith("http://127.0.0.1:8000/media/")
        assert rows["JMP-L"]["availability"] == "out of stock"
        assert len(rows["CAP"]["title"]) <= TITLE_MAX

    def test_items_without_identifiers_are_reported(self, client, shop):
        meta_rows(client)
        report = FeedSnapshot.objects.get(name="meta.csv").report
        assert {"id": "SCF", "problem": "left out: needs a brand, GTIN or MPN"} in report


class TestCaching:
    def test_etag_and_last_modified_answer_304(self, client, shop):
        first = client.get(GOOGLE)
        etag, modified = first["ETag"], first["Last-Modified"]

        assert client.get(GOOGLE, headers={"if-none-match": etag}).status_code == 304
        assert client.get(GOOGLE, headers={"if-modified-since": modified}).status_code == 304
        assert client.get(GOOGLE, headers={"if-none-match": '"other"'}).status_code == 200

    def test_served_from_the_build_not_rebuilt_per_request(self, client, shop, warehouse):
        google_items(client)
        receive(warehouse, shop["large"], 4)  # the build is not redone by a request

        assert google_items(client)["JMP-L"].findtext(f"{G}availability") == "out_of_stock"
        assert feeds_rebuild() == ["google.xml", "local-inventory.xml", "meta.csv"]
        assert google_items(client)["JMP-L"].findtext(f"{G}availability") == "in_stock"

    def test_nothing_moved_nothing_rebuilt(self, shop):
        feeds_rebuild()
        assert feeds_rebuild() == []

    def test_unknown_feed_is_a_404(self, client, db):
        assert client.get("/feeds/nope.xml").status_code == 404

    def test_serving_costs_the_same_for_any_size(self, client, shop, django_assert_num_queries):
        feeds_rebuild()
        cache.clear()
        with django_assert_num_queries(2):  # the build's ETag, then its content
            client.get(GOOGLE)
        with django_assert_num_queries(1):  # content cached under its ETag
            client.get(GOOGLE)


class TestRebuild:
    def test_selling_the_last_unit_at_the_till_puts_the_item_out_of_stock(
        self, client, api, shop, store, clerk
    ):
        store.ships_online = True
        store.save()
        feeds_rebuild()
        assert google_items(client)["JMP-L"].findtext(f"{G}availability") == "in_stock"

        sale = auth(api, clerk).post(
            "/api/pos/sales/",
            {
                "lines": [{"sku": "JMP-L", "quantity": 1}],
                "payment": {"method": "card", "terminal_reference": "T-1"},
            },
            format="json",
        )
        assert sale.status_code == 201, sale.content
        assert "google.xml" in feeds_rebuild()

        assert google_items(client)["JMP-L"].findtext(f"{G}availability") == "out_of_stock"
        entry = local_entries(client)[(store.code, "JMP-L")]
        assert entry.findtext(f"{G}quantity") == "0"
        assert meta_rows(client)["JMP-L"]["availability"] == "out of stock"

    def test_the_beat_job_and_the_command_rebuild(self, shop):
        from channels_app.tasks import rebuild_feeds

        assert len(rebuild_feeds.delay().get()) == 3
        out = io.StringIO()
        call_command("rebuild_feeds", "--force", stdout=out)
        assert "google.xml" in out.getvalue()
        assert "rebuilt" in out.getvalue()

    @pytest.mark.parametrize("feed", ["google.xml", "local-inventory.xml", "meta.csv"])
    def test_a_build_costs_the_same_for_3_or_30_products(
        self, feed, warehouse, store, django_assert_max_num_queries
    ):
        def add(n: int) -> None:
            for _ in range(n):
                product = factories.ProductFactory()
                variant = factories.VariantFactory(product=product, brand="Atelier")
                add_picture(product)
                receive(warehouse, variant, 2)

        add(3)
        # fingerprint 5, locations 1, a batch 3 (+1 to find the end), the upsert 6
        with django_assert_max_num_queries(16) as small:
            feed_build(name=feed)
        add(27)
        with django_assert_max_num_queries(len(small)):
            snapshot = feed_build(name=feed)
        assert snapshot.items >= 30


class TestAdmin:
    def test_the_validation_report_is_shown(self, shop, superuser):
        feeds_rebuild()
        snapshot = FeedSnapshot.objects.get(name="google.xml")
        client = admin_client(superuser)

        listing = client.get("/admin/channels_app/feedsnapshot/")
        page = client.get(f"/admin/channels_app/feedsnapshot/{snapshot.pk}/change/")

        assert listing.status_code == 200
        assert "google.xml" in listing.content.decode()
        assert "MUG: left out: no picture" in page.content.decode()


def test_a_feed_older_than_an_hour_is_rebuilt_anyway(shop):
    feeds_rebuild()
    FeedSnapshot.objects.filter(name="meta.csv").update(
        built_at=timezone.now() - timedelta(hours=2)
    )
    assert feeds_rebuild() == ["meta.csv"]
