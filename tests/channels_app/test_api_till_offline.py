"""The till that sells offline: device registration, the price and stock snapshot, sales sent
with a `client_sale_id` (once, at the prices paid, shortfalls as discrepancies) and the
discrepancy list."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from carts.models import TillDevice, TillSale
from carts.pos import pos_sale_price
from carts.till_sales import till_receipt_gaps
from inventory.models import StockDiscrepancy
from shop.orders.models import Order
from shop.payments.models import Payment
from tests import factories
from tests.channels_app.support import assert_error, open_till, receive, reserve, stock_row
from tests.conftest import auth
from tests.shop.order_support import promotion

pytestmark = pytest.mark.django_db

SALES = "/api/pos/sales/"
DEVICES = "/api/pos/devices/"
SNAPSHOT = "/api/pos/snapshot/"
DISCREPANCIES = "/api/stock-discrepancies/"
DEVICE = uuid.UUID("00000000-0000-4000-8000-000000000001")


@pytest.fixture
def api_clerk(api, clerk):
    return auth(api, clerk)


@pytest.fixture
def device(api_clerk):
    response = api_clerk.post(DEVICES, {"uuid": str(DEVICE)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def sale_body(sequence: int = 1, *, lines=None, sale_id=None, payment=None, **extra) -> dict:
    return {
        "client_sale_id": str(sale_id or uuid.uuid4()),
        "device": str(DEVICE),
        "sequence": sequence,
        "created_offline_at": "2026-11-30T09:15:00Z",
        "lines": lines
        or [{"sku": "TEE-M", "quantity": 1, "unit_price": "19.90", "line_total": "19.90"}],
        "payment": payment or {"method": "card", "terminal_reference": "T-1"},
        **extra,
    }


# --- devices ---------------------------------------------------------------------------------


def test_a_device_registers_once_and_devices_are_numbered_per_store(api_clerk, store, device):
    assert device == {"uuid": str(DEVICE), "store": "st1", "number": 1, "next_sequence": 1}
    again = api_clerk.post(DEVICES, {"uuid": str(DEVICE)}, format="json").json()
    assert again == device
    second = api_clerk.post(DEVICES, {"uuid": str(uuid.uuid4())}, format="json").json()
    assert second["number"] == 2
    assert TillDevice.objects.filter(store=store).count() == 2


def test_a_device_of_one_store_cannot_sell_at_another(api, manager, device, other_store):
    auth(api, manager)
    response = api.post(DEVICES, {"uuid": str(DEVICE), "store": "st2"}, format="json")
    assert_error(response, 400, "unknown_device")


# --- sales -----------------------------------------------------------------------------------


def test_a_till_sale_is_recorded_once_with_its_receipt_number(api_clerk, store, variant, device):
    receive(store, variant, 5)
    body = sale_body(sale_id=uuid.UUID(int=7))
    first = api_clerk.post(SALES, body, format="json")
    assert first.status_code == 201, first.content
    sale = first.json()
    assert sale["receipt_number"] == "ST1-1-1"
    assert sale["channel"] == "pos"
    assert sale["store"] == "st1"
    assert sale["total"] == "19.90"
    assert sale["price_difference"] == "0.00"
    made = datetime.fromisoformat(sale["created_offline_at"])
    assert made == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    assert sale["discrepancies"] == []
    # The answer was lost: the device sends it again and gets the same sale.
    again = api_clerk.post(SALES, body, format="json")
    assert again.status_code == 201
    assert again.json() == sale
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert stock_row(store, variant) == (4, 0)


def test_another_clerk_replaying_the_sale_gets_the_same_one(api, store, variant, device):
    receive(store, variant, 5)
    body = sale_body()
    first = auth(api, factories.clerk(store=store, username="a")).post(SALES, body, format="json")
    second = auth(api, factories.clerk(store=store, username="b")).post(SALES, body, format="json")
    assert first.json()["number"] == second.json()["number"]
    assert Order.objects.count() == 1


def test_a_receipt_number_sent_with_another_sale_is_a_conflict(api_clerk, store, variant, device):
    receive(store, variant, 5)
    assert api_clerk.post(SALES, sale_body(1), format="json").status_code == 201
    response = api_clerk.post(SALES, sale_body(1), format="json")
    assert_error(response, 409, "receipt_number_taken")
    assert Order.objects.count() == 1


def test_an_offline_sale_is_kept_at_the_prices_paid_and_the_difference_flagged(
    api_clerk, store, variant, device
):
    receive(store, variant, 5)
    # Priced offline at 17.91 (a promotion since ended); the price today is 19.90.
    lines = [{"sku": "TEE-M", "quantity": 2, "unit_price": "19.90", "line_total": "35.82"}]
    open_till(store)
    payment = {"method": "cash", "tendered": "40.00"}
    sale = api_clerk.post(SALES, sale_body(lines=lines, payment=payment), format="json").json()
    assert (sale["subtotal"], sale["discount"], sale["total"]) == ("39.80", "3.98", "35.82")
    assert sale["price_difference"] == "-3.98"
    assert sale["change_due"] == "4.18"
    assert sale["lines"][0]["line_total"] == "35.82"
    till_sale = TillSale.objects.get()
    assert (till_sale.paid_total, till_sale.priced_total) == (Decimal("35.82"), Decimal("39.80"))
    assert Payment.objects.get().amount == Decimal("35.82")


def test_a_shortfall_keeps_the_sale_and_spares_the_collectors_unit(
    api_clerk, store, variant, device
):
    receive(store, variant, 1)
    reserve(store, variant, 1)  # sold online meanwhile, to collect here
    response = api_clerk.post(SALES, sale_body(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["discrepancies"] == [{"sku": "TEE-M", "quantity": 1, "status": "open"}]
    assert stock_row(store, variant) == (1, 1)
    discrepancy = StockDiscrepancy.objects.get()
    assert discrepancy.order.number == response.json()["number"]
    listed = api_clerk.get(DISCREPANCIES, {"store": "st1"}).json()
    assert listed["count"] == 1
    assert listed["results"][0]["sku"] == "TEE-M"
    assert listed["results"][0]["order"] == response.json()["number"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"lines": []}, 400, "invalid"),
        ({"sequence": 0}, 400, "invalid"),
        ({"device": str(uuid.uuid4())}, 400, "unknown_device"),
        ({"payment": {"method": "cash", "tendered": "1.00"}}, 400, "invalid"),
        ({"payment": {"method": "card"}}, 400, "invalid"),
        (
            {
                "lines": [
                    {"sku": "TEE-M", "quantity": 1, "unit_price": "1.00", "line_total": "2.00"}
                ]
            },
            400,
            "invalid",
        ),
        (
            {"lines": [{"sku": "NOPE", "quantity": 1, "unit_price": "1.00", "line_total": "1.00"}]},
            400,
            "unknown_sku",
        ),
    ],
)
def test_bad_sales_are_refused_with_the_error_body(
    api_clerk, store, variant, device, change, status, code
):
    open_till(store)
    body = {**sale_body(), **change}
    assert_error(api_clerk.post(SALES, body, format="json"), status, code)
    assert not Order.objects.exists()


def test_a_clerk_cannot_send_sales_for_another_store(api_clerk, other_store, variant, device):
    response = api_clerk.post(SALES, sale_body(store="st2"), format="json")
    assert_error(response, 403, "permission_denied")


def test_receipt_gaps_are_found(api_clerk, store, variant, device):
    receive(store, variant, 5)
    for sequence in (1, 2, 4):
        api_clerk.post(SALES, sale_body(sequence), format="json")
    assert till_receipt_gaps(TillDevice.objects.get()) == [3]
    assert (
        api_clerk.post(DEVICES, {"uuid": str(DEVICE)}, format="json").json()["next_sequence"] == 5
    )


# --- snapshot --------------------------------------------------------------------------------


def test_the_snapshot_prices_each_variant_as_the_till_does(api_clerk, store, variant):
    promotion(code="", kind="percentage", value="10.00")
    receive(store, variant, 4)
    body = api_clerk.get(SNAPSHOT).json()
    [item] = body["items"]
    assert item["sku"] == "TEE-M"
    assert item["price"] == "19.90"
    online = pos_sale_price(lines=[(variant, 1)]).total
    assert Decimal(item["till_price"]) == online == Decimal("17.91")
    assert body["stock"] == {"TEE-M": 4}
    assert body["store"] == "st1"
    assert body["currency"] == "EUR"
    # A till holding this version gets the stock only.
    again = api_clerk.get(SNAPSHOT, {"version": body["version"]}).json()
    assert again["items"] is None
    assert again["stock"] == {"TEE-M": 4}


def test_a_new_promotion_makes_a_new_version(api_clerk, variant):
    before = api_clerk.get(SNAPSHOT).json()["version"]
    promotion(code="", kind="fixed", value="1.00")
    after = api_clerk.get(SNAPSHOT, {"version": before}).json()
    assert after["version"] != before
    assert after["items"][0]["till_price"] == "18.90"


def _catalogue(size: int) -> None:
    for n in range(size):
        factories.VariantFactory(sku=f"SKU-{size}-{n}")


@pytest.mark.parametrize("size", [3, 30])
def test_snapshot_queries_do_not_grow_with_the_catalogue(
    api_clerk, store, size, django_assert_max_num_queries
):
    _catalogue(size)
    with django_assert_max_num_queries(8):
        body = api_clerk.get(SNAPSHOT).json()
    assert len(body["items"]) == size


# --- discrepancies ---------------------------------------------------------------------------


def _short_sales(api_clerk, store, count: int) -> None:
    for n in range(count):
        factories.VariantFactory(sku=f"GONE-{n}")
        line = {"sku": f"GONE-{n}", "quantity": 1, "unit_price": "5.00", "line_total": "5.00"}
        api_clerk.post(SALES, sale_body(n + 1, lines=[line]), format="json")


@pytest.mark.parametrize("size", [2, 20])
def test_discrepancy_list_queries_do_not_grow(
    api_clerk, store, device, size, django_assert_max_num_queries
):
    _short_sales(api_clerk, store, size)
    with django_assert_max_num_queries(6):
        body = api_clerk.get(DISCREPANCIES).json()
    assert body["count"] == size


def test_a_clerk_sees_only_their_stores_discrepancies(api, clerk, other_store, device):
    _short_sales(auth(api, clerk), None, 1)
    other = auth(api, factories.clerk(store=other_store, username="c2"))
    assert other.get(DISCREPANCIES).json()["count"] == 0
    assert_error(other.get(DISCREPANCIES, {"store": "st1"}), 403, "permission_denied")
    manager = auth(api, factories.manager(username="m2"))
    assert manager.get(DISCREPANCIES, {"status": "open"}).json()["count"] == 1
    assert manager.get(DISCREPANCIES, {"status": "resolved"}).json()["count"] == 0


def test_the_admin_flags_sales_paid_at_another_price(api_clerk, store, variant, device, manager):
    from tests.conftest import admin_client

    receive(store, variant, 5)
    paid_less = [{"sku": "TEE-M", "quantity": 1, "unit_price": "19.90", "line_total": "17.91"}]
    api_clerk.post(SALES, sale_body(1), format="json")
    api_clerk.post(SALES, sale_body(2, lines=paid_less), format="json")
    client = admin_client(manager)
    flagged = client.get("/admin/carts/tillsale/", {"price": "differs"}).content.decode()
    assert "ST1-1-2" in flagged
    assert "ST1-1-1" not in flagged
    assert "-1.99" in flagged
