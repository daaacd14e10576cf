"""POST /api/marketplace/orders/: a marketplace's order placed through the web checkout, from
the shipping locations, once per marketplace and external id."""

from collections import Counter
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from carts.pos import TillPayment, pos_sale_complete
from channels_app.credentials import credential_create, credential_revoke
from channels_app.marketplace import MarketplaceLine, marketplace_order_place
from channels_app.models import ChannelCredential, MarketplaceOrder
from inventory.models import Reservation
from shop.customers.models import Customer, CustomerEvent
from shop.orders.models import Order
from shop.orders.services import order_cancel, order_mark_shipped
from tests import factories
from tests.channels_app.support import assert_error, receive, stock_row
from tests.conftest import auth
from tests.shop.order_support import run_at_once

URL = "/api/marketplace/orders/"
ADDRESS = {
    "name": "Ann Lee",
    "line1": "1 rue Haute",
    "postcode": "75001",
    "city": "Paris",
    "country": "FR",
}


def body(
    external_id: str = "AMZ-1",
    *,
    sku: str = "TEE-M",
    quantity: int = 1,
    price="19.90",
    marketplace: str = "amazon",
    email: str = "ann@example.com",
) -> dict:
    return {
        "marketplace": marketplace,
        "external_id": external_id,
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": price}],
        "customer": {"email": email, "name": "Ann Lee"},
        "shipping_address": ADDRESS,
    }


def integration(name: str = "amazon") -> APIClient:
    _, token = credential_create(
        kind=ChannelCredential.Kind.MARKETPLACE, name=name, created_by=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def stocked(warehouse, variant):
    receive(warehouse, variant, 3)
    return variant


@pytest.mark.django_db
class TestPlacing:
    def test_an_integration_places_a_marketplace_order(self, stocked, warehouse):
        response = integration().post(URL, body(quantity=2), format="json")

        assert response.status_code == 201, response.content
        order = response.json()
        assert (order["channel"], order["fulfilment"], order["status"]) == (
            "marketplace",
            "delivery",
            "placed",
        )
        assert order["total"] == "39.80"
        assert stock_row(warehouse, stocked) == (3, 2)
        placed = Order.objects.get(number=order["number"])
        payment = placed.payments.get()
        assert (payment.method, payment.status, payment.reference) == (
            "card",
            "captured",
            "amazon:AMZ-1",
        )
        assert MarketplaceOrder.objects.get().order == placed

    def test_the_customer_is_matched_by_email_and_the_order_joins_their_timeline(self, stocked):
        existing = factories.CustomerFactory(email="Ann@Example.com")

        number = integration().post(URL, body(), format="json").json()["number"]

        assert Customer.objects.count() == 1
        assert Order.objects.get(number=number).customer == existing
        event = CustomerEvent.objects.get(customer=existing, kind=CustomerEvent.Kind.ORDER_PLACED)
        assert event.channel == "marketplace"

    def test_a_new_customer_is_created(self, stocked):
        integration().post(URL, body(email="new@example.com"), format="json")
        assert Customer.objects.get(email="new@example.com").name == "Ann Lee"

    def test_the_same_external_id_is_the_same_order(self, stocked, warehouse):
        client = integration()
        first = client.post(URL, body(), format="json")
        again = client.post(URL, body(), format="json")

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["number"] == first.json()["number"]
        assert Order.objects.count() == 1
        assert stock_row(warehouse, stocked) == (3, 1)

    def test_an_idempotency_key_replays_the_first_answer(self, stocked):
        client = integration()
        headers = {"Idempotency-Key": "k-1"}
        first = client.post(URL, body(), format="json", headers=headers)
        again = client.post(URL, body(), format="json", headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()

    def test_another_marketplace_may_use_the_same_external_id(self, stocked):
        integration().post(URL, body(), format="json")
        other = integration("ebay").post(URL, body(marketplace="ebay"), format="json")
        assert other.status_code == 201
        assert Order.objects.count() == 2

    def test_shortfall_is_a_409_and_keeps_nothing(self, stocked, warehouse):
        response = integration().post(URL, body(quantity=4), format="json")

        error = assert_error(response, 409, "insufficient_stock")
        assert error["details"] == [{"sku": "TEE-M", "requested": 4, "available": 3}]
        assert not Order.objects.exists()
        assert not MarketplaceOrder.objects.exists()
        assert stock_row(warehouse, stocked) == (3, 0)
        # the marketplace may send it again once there is stock
        receive(warehouse, stocked, 1)
        assert integration("amazon").post(URL, body(quantity=4), format="json").status_code == 201

    def test_a_price_other_than_the_shops_is_a_409(self, stocked):
        error = assert_error(
            integration().post(URL, body(price="9.99"), format="json"), 409, "price_mismatch"
        )
        assert error["details"] == [{"sku": "TEE-M", "unit_price": "9.99", "price": "19.90"}]

    def test_unknown_sku_is_a_400(self, stocked):
        response = integration().post(URL, body(sku="NOPE"), format="json")
        assert response.status_code in (400, 404)
        assert not Order.objects.exists()

    def test_a_missing_address_field_is_a_400(self, stocked):
        bad = body()
        bad["shipping_address"] = {"name": "Ann"}
        assert_error(integration().post(URL, bad, format="json"), 400, "invalid")


@pytest.mark.django_db
class TestAccess:
    def test_a_token_sends_its_own_marketplace_only(self, stocked):
        response = integration("ebay").post(URL, body(marketplace="amazon"), format="json")
        assert_error(response, 403, "permission_denied")

    def test_a_revoked_token_is_refused(self, stocked):
        credential, token = credential_create(
            kind=ChannelCredential.Kind.MARKETPLACE, name="amazon", created_by=None
        )
        credential_revoke(credential=credential)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.post(URL, body(), format="json").status_code == 401

    def test_anonymous_and_clerks_are_refused(self, api, clerk, stocked):
        assert api.post(URL, body(), format="json").status_code == 401
        assert auth(APIClient(), clerk).post(URL, body(), format="json").status_code == 403

    def test_a_manager_may_send_one(self, api, manager, stocked):
        assert auth(api, manager).post(URL, body(), format="json").status_code == 201

    def test_only_the_hash_is_stored(self, db):
        credential, token = credential_create(
            kind=ChannelCredential.Kind.MARKETPLACE, name="amazon", created_by=None
        )
        assert token not in credential.digest
        assert credential.last4 == token[-4:]
        assert not credential.user.has_usable_password()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_marketplace_order_and_a_till_sale_race_for_the_last_unit():
    """Each round: one unit at a store that ships online; the till sells it while the
    marketplace order reserves it. Exactly one wins."""
    store = factories.LocationFactory(
        code="race", name="Race", click_and_collect=True, ships_online=True
    )
    clerk = factories.clerk(store=store)
    winners = Counter()
    for round_no in range(8):
        variant = factories.VariantFactory(sku=f"LAST-{round_no}", price=Decimal("10.00"))
        receive(store, variant, 1)

        def till(variant=variant):
            return pos_sale_complete(
                store=store,
                clerk=clerk,
                lines=[(variant, 1)],
                payment=TillPayment(method="card", terminal_reference=f"T-{variant.sku}"),
            )

        def marketplace(variant=variant, round_no=round_no):
            return marketplace_order_place(
                marketplace="amazon",
                external_id=f"R-{round_no}",
                email="ann@example.com",
                lines=[MarketplaceLine(variant.sku, 1, Decimal("10.00"))],
                shipping_address=ADDRESS,
            )

        results = run_at_once([till, marketplace])
        kinds = sorted(kind for kind, _ in results)
        assert kinds == ["insufficient", "ok"], results
        winners["till" if results[0][0] == "ok" else "marketplace"] += 1
        on_hand, reserved = stock_row(store, variant)
        assert on_hand - reserved == 0
        assert Order.objects.filter(lines__variant=variant).count() == 1
        if results[1][0] != "ok":
            assert not MarketplaceOrder.objects.filter(external_id=f"R-{round_no}").exists()
            assert not Reservation.objects.filter(variant=variant).exists()
    assert sum(winners.values()) == 8


@pytest.mark.django_db
class TestAfterwards:
    """Managers ship and cancel marketplace orders with the services web orders use."""

    def test_shipping_takes_the_units_out(self, stocked, warehouse):
        number = integration().post(URL, body(), format="json").json()["number"]
        order = order_mark_shipped(order=Order.objects.get(number=number))
        assert order.status == "shipped"
        assert stock_row(warehouse, stocked) == (2, 0)

    def test_cancelling_releases_the_units(self, stocked, warehouse):
        number = integration().post(URL, body(), format="json").json()["number"]
        order_cancel(order=Order.objects.get(number=number), channel="backoffice")
        assert Order.objects.get(number=number).status == "cancelled"
        assert stock_row(warehouse, stocked) == (3, 0)
