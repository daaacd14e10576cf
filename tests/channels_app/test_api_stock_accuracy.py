"""The stock accuracy API: counts from the till, the accuracy figure, not found at the desk."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.accuracy import stock_accuracy_by_store
from inventory.counts import CountedLine, stock_count_record
from inventory.models import StockCount
from shop.channels import Channel
from shop.orders.models import Order
from tests import factories
from tests.channels_app.support import assert_error, receive, stock_row
from tests.conftest import auth
from tests.shop.order_support import collect_order

pytestmark = pytest.mark.django_db


def counts_url(code):
    return f"/api/stores/{code}/counts/"


def count_body(*lines, started_at=None):
    return {
        "started_at": (started_at or timezone.now()).isoformat(),
        "lines": [{"sku": sku, "counted": n} for sku, n in lines],
    }


class TestCountApi:
    def test_a_clerk_counts_their_store(self, api, clerk, store, variant):
        receive(store, variant, 10)
        response = auth(api, clerk).post(
            counts_url("st1"), count_body(("TEE-M", 7)), format="json", HTTP_IDEMPOTENCY_KEY="c1"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["lines"][0].pop("counted_at")
        assert body["lines"] == [
            {
                "sku": "TEE-M",
                "expected": 10,
                "counted": 7,
                "variance": -3,
                "adjusted": -3,
                "reserved_shortfall": 0,
            }
        ]
        assert stock_row(store, variant) == (7, 0)

    def test_the_same_key_counts_once(self, api, clerk, store, variant):
        receive(store, variant, 10)
        client = auth(api, clerk)
        body = count_body(("TEE-M", 7))
        first = client.post(counts_url("st1"), body, format="json", HTTP_IDEMPOTENCY_KEY="k")
        again = client.post(counts_url("st1"), body, format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert again.json() == first.json()
        assert StockCount.objects.count() == 1
        assert stock_row(store, variant) == (7, 0)

    def test_another_stores_clerk_is_refused(self, api, store, other_store, variant):
        other_clerk = factories.clerk(store=other_store)
        response = auth(api, other_clerk).post(
            counts_url("st1"), count_body(("TEE-M", 1)), format="json"
        )
        assert_error(response, 403, "permission_denied")

    def test_bad_input(self, api, clerk, store, variant):
        client = auth(api, clerk)
        assert_error(
            client.post(counts_url("st1"), count_body(("NOPE", 1)), format="json"),
            400,
            "unknown_sku",
        )
        assert_error(
            client.post(counts_url("st1"), count_body(("TEE-M", -1)), format="json"),
            400,
            "invalid",
        )
        assert_error(client.post(counts_url("st1"), {"lines": []}, format="json"), 400, "invalid")
        assert not StockCount.objects.exists()


class TestAccuracyApi:
    def test_matched_share_and_variance_by_reason(self, api, manager, store, variant):
        other = factories.VariantFactory(sku="CAP")
        receive(store, variant, 10)
        receive(store, other, 4)
        for counted in ((variant, 10), (other, 3)):
            stock_count_record(
                location=store,
                started_at=timezone.now(),
                lines=[CountedLine(*counted)],
                channel=Channel.POS,
            )
        from inventory.services import stock_adjust

        stock_adjust(location=store, variant=variant, quantity=-2, reason="damage")

        response = auth(api, manager).get("/api/stores/st1/accuracy/")

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["counts"], body["counted_skus"], body["matched"]) == (2, 2, 1)
        assert body["matched_share"] == "0.5000"
        assert body["variance_by_reason"] == [
            {"reason": "count", "units": -1, "movements": 1},
            {"reason": "damage", "units": -2, "movements": 1},
        ]
        [day] = body["over_time"]
        assert (day["counted_skus"], day["matched"]) == (2, 1)

    def test_kept_until_the_next_count(
        self, api, manager, store, variant, django_capture_on_commit_callbacks
    ):
        receive(store, variant, 10)
        client = auth(api, manager)

        def counted(found: int) -> None:
            with django_capture_on_commit_callbacks(execute=True):
                stock_count_record(
                    location=store,
                    started_at=timezone.now(),
                    lines=[CountedLine(variant, found)],
                    channel=Channel.POS,
                )

        counted(10)
        assert client.get("/api/stores/st1/accuracy/").json()["matched_share"] == "1.0000"
        from inventory.services import stock_adjust

        stock_adjust(location=store, variant=variant, quantity=-1, reason="damage")
        before = client.get("/api/stores/st1/accuracy/").json()
        assert [r["reason"] for r in before["variance_by_reason"]] == []  # as computed

        counted(9)  # a count starts the figures again

        after = client.get("/api/stores/st1/accuracy/").json()
        assert after["matched_share"] == "1.0000"
        assert [r["reason"] for r in after["variance_by_reason"]] == ["damage"]

    def test_a_period_without_counts(self, api, manager, store):
        long_ago = (timezone.now() - timedelta(days=400)).date()
        response = auth(api, manager).get(
            f"/api/stores/st1/accuracy/?from={long_ago}&to={long_ago}"
        )
        assert response.status_code == 200, response.content
        assert response.json()["matched_share"] is None

    def test_managers_only(self, api, clerk, store):
        assert_error(auth(api, clerk).get("/api/stores/st1/accuracy/"), 403, "permission_denied")

    def test_bad_dates(self, api, manager, store):
        response = auth(api, manager).get("/api/stores/st1/accuracy/?from=yesterday")
        assert_error(response, 400, "invalid")


@pytest.mark.parametrize("stores", [2, 6])
def test_accuracy_by_store_costs_the_same_at_any_size(
    stores, django_assert_max_num_queries, variant
):
    locations = [factories.LocationFactory(code=f"q{n}") for n in range(stores)]
    for location in locations:
        receive(location, variant, 5)
        for counted in (5, 4, 6):
            stock_count_record(
                location=location,
                started_at=timezone.now(),
                lines=[CountedLine(variant, counted)],
                channel=Channel.POS,
            )
    with django_assert_max_num_queries(5):
        result = stock_accuracy_by_store(locations=locations, with_days=True)
    assert [entry.counted_skus for entry in result] == [3] * stores


class TestNotFoundApi:
    def test_the_desk_re_sources_from_another_unit_here(self, api, clerk, store, variant):
        receive(store, variant, 3)
        order = collect_order(store, [(variant, 1)])
        response = auth(api, clerk).post(
            f"/api/pickups/{order.number}/not-found/",
            {"sku": "TEE-M"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="nf-1",
        )
        assert response.status_code == 200, response.content
        assert response.json()["number"] == order.number
        assert stock_row(store, variant) == (2, 1)
        # Asked twice with the same key: written off once.
        again = auth(api, clerk).post(
            f"/api/pickups/{order.number}/not-found/",
            {"sku": "TEE-M"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="nf-1",
        )
        assert again.status_code == 200
        assert stock_row(store, variant) == (2, 1)

    def test_a_line_cancelled_shows_on_the_order(self, api, clerk, store, variant):
        receive(store, variant, 1)
        cap = factories.VariantFactory(sku="CAP", price=Decimal("5.00"))
        receive(store, cap, 1)
        order = collect_order(store, [(variant, 1), (cap, 1)])
        response = auth(api, clerk).post(
            f"/api/pickups/{order.number}/not-found/", {"sku": "TEE-M"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "placed"

    def test_another_stores_clerk_and_unknown_skus(self, api, store, other_store, variant):
        receive(store, variant, 1)
        order = collect_order(store, [(variant, 1)])
        url = f"/api/pickups/{order.number}/not-found/"
        outsider = factories.clerk(store=other_store)
        assert_error(
            auth(api, outsider).post(url, {"sku": "TEE-M"}, format="json"), 403, "permission_denied"
        )
        clerk = factories.clerk(store=store)
        assert_error(auth(api, clerk).post(url, {"sku": "NOPE"}, format="json"), 400, "invalid")
        assert stock_row(store, variant) == (1, 1)


class TestAllOrNothingAtCheckout:
    def test_the_api_keeps_the_customers_choice(self, api, store, variant):
        receive(store, variant, 2)
        api.post("/api/cart/lines/", {"sku": "TEE-M", "quantity": 1}, format="json")
        response = api.post(
            "/api/checkout/",
            {
                "email": "ann@example.com",
                "fulfilment": "collect",
                "store": "st1",
                "payment": {"method": "pay_at_pickup"},
                "all_or_nothing": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        assert Order.objects.get(number=response.json()["number"]).all_or_nothing

    def test_the_checkout_page_offers_it(self, client, store, variant):
        import uuid

        receive(store, variant, 2)
        client.post("/cart/add/", {"sku": "TEE-M", "quantity": "1"})
        assert 'name="all_or_nothing"' in client.get("/checkout/").content.decode()
        response = client.post(
            "/checkout/",
            {
                "idempotency_key": str(uuid.uuid4()),
                "email": "ann@example.com",
                "fulfilment": "collect",
                "store": "st1",
                "payment_method": "pay_at_pickup",
                "all_or_nothing": "on",
            },
        )
        assert response.status_code == 302, response.content
        assert Order.objects.get().all_or_nothing
