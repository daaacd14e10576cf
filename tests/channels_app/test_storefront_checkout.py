"""Checkout through the page: delivery and click-and-collect, one order per submitted form,
stock and payment failures that keep the cart, and the order confirmation."""

import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carts.models import Cart, CartLine
from carts.services import cart_for_customer, cart_line_add
from channels_app.idempotency import IdempotencyKeyInProgress
from channels_app.models import IdempotencyKey
from inventory.models import Reservation
from inventory.services import StockLine, stock_receive
from shop.customers.services import customer_for_user
from shop.orders.models import Order
from tests import factories

CHECKOUT = "/checkout/"
ADD = "/cart/add/"
ADDRESS = {
    "name": "Ann Example",
    "line1": "1 Rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "country": "France",
}


def receive(location, variant, quantity: int) -> None:
    stock_receive(location=location, lines=[StockLine(variant, quantity)])


def collect(store_code: str = "st1", **fields) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "email": "guest@example.com",
        "fulfilment": "collect",
        "store": store_code,
        "payment_method": "card",
        "card_token": "tok_visa",
        **fields,
    }


def delivery(**fields) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "email": "guest@example.com",
        "fulfilment": "delivery",
        "payment_method": "card",
        "card_token": "tok_visa",
        **ADDRESS,
        **fields,
    }


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def tee(db):
    return factories.VariantFactory(
        sku="TEE-M", name="Size M", price=Decimal("19.90"), product__name="Crew Tee"
    )


@pytest.fixture
def mug(db):
    return factories.VariantFactory(
        sku="MUG-1", name="", price=Decimal("7.50"), product__name="Mug"
    )


@pytest.fixture
def two_tees(client, tee):
    client.post(ADD, {"sku": "TEE-M", "quantity": "2"})
    return Cart.objects.get()


class TestCheckoutPage:
    def test_renders_the_form_and_summary(self, client, two_tees, store, warehouse, tee):
        receive(store, tee, 5)

        response = client.get(CHECKOUT)

        assert response.status_code == 200
        html = text(response)
        assert "Crew Tee — Size M" in html
        assert "Place order · €39.80" in html
        assert 'name="email"' in html
        for field in ADDRESS:
            assert f'name="{field}"' in html
        assert 'name="store" value="st1"' in html
        assert '<option value="tok_visa"' in html
        assert '<option value="tok_declined"' in html
        assert "These are test cards" in html
        assert 'value="pay_at_pickup"' in html
        assert "csrfmiddlewaretoken" in html

    def test_a_fresh_idempotency_key_on_every_render(self, client, two_tees):
        pattern = r'name="idempotency_key" value="([0-9a-f-]{36})"'

        first = re.search(pattern, text(client.get(CHECKOUT))).group(1)
        second = re.search(pattern, text(client.get(CHECKOUT))).group(1)

        assert first != second

    def test_empty_cart_goes_back_to_the_cart(self, client, db):
        response = client.get(CHECKOUT, follow=True)

        assert response.redirect_chain == [("/cart/", 302)]
        assert "Your cart is empty: add something before checking out." in text(response)

    def test_signed_in_email_is_prefilled(self, client, shopper, tee):
        shopper.email = "ann@example.com"
        shopper.save()
        client.force_login(shopper)
        client.post(ADD, {"sku": "TEE-M", "quantity": "1"})

        html = text(client.get(CHECKOUT))

        assert 'name="email" value="ann@example.com"' in html

    def test_store_picker_hides_stores_lacking_a_line(
        self, client, two_tees, tee, mug, store, other_store
    ):
        client.post(ADD, {"sku": "MUG-1", "quantity": "1"})
        receive(store, tee, 2)
        receive(store, mug, 1)
        receive(other_store, tee, 9)  # no mug there
        no_collect = factories.LocationFactory(code="st3", name="No Collect")
        receive(no_collect, tee, 9)
        receive(no_collect, mug, 9)
        closed = factories.LocationFactory(code="st4", name="Store Closed", click_and_collect=True)
        receive(closed, tee, 9)
        receive(closed, mug, 9)
        closed.is_active = False
        closed.save()

        html = text(client.get(CHECKOUT))

        assert 'name="store" value="st1"' in html
        assert "Store One" in html
        assert 'value="st2"' not in html
        assert "Store Two" not in html
        assert "Store Closed" not in html
        assert "No Collect" not in html

    def test_store_with_too_few_units_is_hidden(self, client, two_tees, tee, store, other_store):
        receive(store, tee, 1)
        receive(other_store, tee, 2)

        html = text(client.get(CHECKOUT))

        assert 'value="st1"' not in html
        assert 'name="store" value="st2"' in html

    def test_no_store_with_everything_disables_collect(self, client, two_tees, store):
        html = text(client.get(CHECKOUT))

        assert "No store has all your items right now" in html
        assert re.search(r'value="collect"[^>]*disabled', html)

    def test_lines_delivery_cannot_cover_are_named(self, client, two_tees, tee, warehouse):
        receive(warehouse, tee, 1)

        html = text(client.get(CHECKOUT))

        assert "Not everything can be delivered right now" in html
        assert "Crew Tee — Size M: 1 available online, you want 2." in html

    def test_same_queries_for_1_and_10_lines(
        self, client, shopper, store, warehouse, django_assert_num_queries
    ):
        client.force_login(shopper)
        cart = cart_for_customer(customer=customer_for_user(shopper))
        variants = factories.VariantFactory.create_batch(10)
        for variant in variants:
            receive(store, variant, 3)
            receive(warehouse, variant, 3)
        cart_line_add(cart=cart, sku=variants[0].sku, quantity=1, channel="web")
        client.get(CHECKOUT)  # both measured with the cached header and promotions
        with CaptureQueriesContext(connection) as one_line:
            assert client.get(CHECKOUT).status_code == 200
        for variant in variants[1:]:
            cart_line_add(cart=cart, sku=variant.sku, quantity=2, channel="web")

        with django_assert_num_queries(len(one_line)):
            html = text(client.get(CHECKOUT))
        assert html.count('class="summary-qty"') == 10
        assert 'name="store" value="st1"' in html


class TestPlaceCollect:
    def test_places_the_order_and_shows_the_confirmation(self, client, two_tees, tee, store):
        store.address = "1 Place du Marché"
        store.save()
        receive(store, tee, 5)

        response = client.post(CHECKOUT, collect())

        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/orders/{order.number}/"
        assert (order.status, order.fulfilment, order.store, order.channel) == (
            "placed",
            "collect",
            store,
            "web",
        )
        assert order.total == Decimal("39.80")
        assert order.customer.email == "guest@example.com"
        assert not CartLine.objects.filter(cart=two_tees).exists()
        assert Reservation.objects.get().location == store

        html = text(client.get(response["Location"]))
        assert "Thank you, your order is placed" in html
        assert order.number in html
        assert "Store One" in html
        assert "1 Place du Marché" in html
        assert "Collect by" in html
        assert "Crew Tee — Size M" in html
        assert "€39.80" in html

    def test_pay_at_pickup(self, client, two_tees, tee, store):
        receive(store, tee, 5)

        response = client.post(CHECKOUT, collect(payment_method="pay_at_pickup", card_token=""))

        order = Order.objects.get()
        assert response["Location"] == f"/orders/{order.number}/"
        assert order.payments.get().method == "pay_at_pickup"
        assert "Pay at pickup: €39.80" in text(client.get(response["Location"]))

    def test_double_submit_makes_one_order(self, client, two_tees, tee, store):
        receive(store, tee, 5)
        form = collect()

        first = client.post(CHECKOUT, form)
        second = client.post(CHECKOUT, form)

        order = Order.objects.get()
        assert first.status_code == second.status_code == 302
        assert first["Location"] == second["Location"] == f"/orders/{order.number}/"
        assert Reservation.objects.count() == 1
        assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE

    def test_same_key_with_other_details_is_refused(self, client, two_tees, tee, store):
        receive(store, tee, 5)
        form = collect()
        client.post(CHECKOUT, form)
        client.post(ADD, {"sku": "TEE-M", "quantity": "1"})

        response = client.post(CHECKOUT, {**form, "email": "other@example.com"})

        assert response.status_code == 200
        assert "already used with a different request" in text(response)
        assert Order.objects.count() == 1

    def test_second_submit_while_the_first_runs_waits(self, client, two_tees, store, monkeypatch):
        def busy(**kwargs):
            raise IdempotencyKeyInProgress()

        monkeypatch.setattr("channels_app.views.storefront.checkout.run_idempotent", busy)
        form = collect()

        response = client.post(CHECKOUT, form)

        assert response["Location"] == f"/checkout/pending/{form['idempotency_key']}/"

    def test_insufficient_stock_re_renders_and_keeps_the_cart(self, client, two_tees, tee, store):
        receive(store, tee, 1)

        response = client.post(CHECKOUT, collect())

        assert response.status_code == 200
        html = text(response)
        assert "Not enough stock at Store One to reserve TEE-M." in html
        assert "Change these items in your cart" in html
        shortage = "<strong>Crew Tee — Size M</strong> (TEE-M): you asked for 2, only 1 available"
        assert shortage in html
        assert line_quantities(two_tees) == {"TEE-M": 2}
        assert not Order.objects.exists()
        assert not Reservation.objects.exists()
        assert not IdempotencyKey.objects.exists()  # the key is free for a retry

    def test_unknown_store_is_a_field_error(self, client, two_tees, tee):
        response = client.post(CHECKOUT, collect(store_code="nowhere"))

        assert response.status_code == 200
        assert "Choose one of the stores listed." in text(response)
        assert not Order.objects.exists()

    def test_collect_without_a_store(self, client, two_tees, tee, store):
        response = client.post(CHECKOUT, collect(store_code=""))

        assert "Choose a store that offers click and collect." in text(response)
        assert not Order.objects.exists()


def line_quantities(cart: Cart) -> dict[str, int]:
    return dict(cart.lines.values_list("variant__sku", "quantity"))


class TestPlaceDelivery:
    def test_places_the_order_with_the_address(self, client, two_tees, tee, warehouse):
        receive(warehouse, tee, 5)

        response = client.post(CHECKOUT, delivery())

        order = Order.objects.get()
        assert response["Location"] == f"/orders/{order.number}/"
        assert (order.fulfilment, order.store, order.status) == ("delivery", None, "placed")
        assert order.shipping_address == {**ADDRESS, "country": "FR"}  # stored as its ISO code
        html = text(client.get(response["Location"]))
        assert "Delivery address" in html
        assert "1 Rue de la Paix" in html
        assert "75002 Paris" in html
        assert "Card: €39.80" in html

    def test_missing_address_fields_are_field_errors(self, client, two_tees, tee, warehouse):
        receive(warehouse, tee, 5)

        response = client.post(CHECKOUT, delivery(line1="", city=" "))

        html = text(response)
        assert response.status_code == 200
        assert "The delivery address needs: line1, city." in html
        assert html.count('class="field-error"') == 2
        assert not Order.objects.exists()

    def test_pay_at_pickup_is_for_collect_only(self, client, two_tees, tee, warehouse):
        receive(warehouse, tee, 5)

        response = client.post(CHECKOUT, delivery(payment_method="pay_at_pickup"))

        assert "Pay at pickup is for click and collect only." in text(response)
        assert not Order.objects.exists()

    def test_insufficient_stock_names_the_items(self, client, two_tees, tee, warehouse):
        receive(warehouse, tee, 1)

        response = client.post(CHECKOUT, delivery())

        html = text(response)
        assert "Not enough stock online for TEE-M." in html
        assert "you asked for 2, only 1 available" in html
        assert line_quantities(two_tees) == {"TEE-M": 2}
        assert not Order.objects.exists()

    def test_declined_card_keeps_the_cart(self, client, two_tees, tee, warehouse):
        receive(warehouse, tee, 5)

        response = client.post(CHECKOUT, delivery(card_token="tok_declined"))

        assert response.status_code == 200
        assert "The card was declined. Your cart is kept: try another card." in text(response)
        assert line_quantities(two_tees) == {"TEE-M": 2}
        assert Order.objects.get().status == Order.Status.PAYMENT_FAILED
        assert Reservation.objects.get().state == Reservation.State.RELEASED

    def test_retry_after_a_decline_places_the_order(self, client, two_tees, tee, warehouse):
        receive(warehouse, tee, 5)
        client.post(CHECKOUT, delivery(card_token="tok_declined"))

        response = client.post(CHECKOUT, delivery())

        assert response.status_code == 302
        assert Order.objects.filter(status="placed").count() == 1

    def test_bad_email_is_a_field_error(self, client, two_tees):
        response = client.post(CHECKOUT, delivery(email="not-an-email"))

        assert "Enter a valid email address." in text(response)
        assert not Order.objects.exists()

    def test_posting_an_empty_cart_goes_to_the_cart(self, client, db):
        response = client.post(CHECKOUT, delivery(), follow=True)

        assert response.redirect_chain == [("/cart/", 302)]
        assert "The cart is empty." in text(response)


class TestSignedInCheckout:
    def test_order_belongs_to_the_shoppers_customer(self, client, shopper, tee, store):
        client.force_login(shopper)
        receive(store, tee, 5)
        client.post(ADD, {"sku": "TEE-M", "quantity": "1"})

        response = client.post(CHECKOUT, collect(email="ann@example.com"))

        order = Order.objects.get()
        assert order.customer == customer_for_user(shopper)
        assert response["Location"] == f"/orders/{order.number}/"
        assert order.number in text(client.get("/account/orders/"))


class TestConfirmationAccess:
    @pytest.fixture
    def placed(self, client, two_tees, tee, store):
        receive(store, tee, 5)
        client.post(CHECKOUT, collect())
        return Order.objects.get()

    def test_another_visitor_is_sent_to_sign_in(self, placed):
        response = Client().get(f"/orders/{placed.number}/")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_another_shopper_gets_a_404(self, placed, shopper):
        other = Client()
        other.force_login(shopper)

        assert other.get(f"/orders/{placed.number}/").status_code == 404

    def test_the_orders_customer_may_see_it(self, placed, shopper):
        customer = placed.customer
        customer.user = shopper
        customer.save()
        own = Client()
        own.force_login(shopper)

        response = own.get(f"/orders/{placed.number}/")

        assert response.status_code == 200
        assert "Thank you" not in text(response)  # not the session that placed it
        assert placed.number in text(response)

    def test_unknown_number_is_a_404(self, client, placed, shopper):
        client.force_login(shopper)

        assert client.get("/orders/OS-NOPE00/").status_code == 404


class TestPendingPage:
    def scope(self, client) -> str:
        return f"session:{client.session.session_key}"

    def test_waits_while_processing(self, client, two_tees):
        IdempotencyKey.objects.create(scope=self.scope(client), key="k1", request_hash="x")

        response = client.get("/checkout/pending/k1/")

        assert response.status_code == 200
        assert "Placing your order…" in text(response)
        assert '<meta http-equiv="refresh"' in text(response)

    def test_goes_to_the_order_when_done(self, client, two_tees):
        order = factories.OrderFactory()
        IdempotencyKey.objects.create(
            scope=self.scope(client),
            key="k1",
            request_hash="x",
            state=IdempotencyKey.State.DONE,
            response_body={"order": order.number},
        )

        response = client.get("/checkout/pending/k1/")

        assert response["Location"] == f"/orders/{order.number}/"
        assert client.get(response["Location"]).status_code == 200

    def test_back_to_checkout_when_the_first_submit_failed(self, client, two_tees):
        response = client.get("/checkout/pending/k1/", follow=True)

        assert response.redirect_chain[0] == ("/checkout/", 302)
        assert "Your order could not be placed." in text(response)

    def test_a_key_of_another_kind_is_not_an_order(self, client, two_tees):
        IdempotencyKey.objects.create(
            scope=self.scope(client),
            key="k1",
            request_hash="x",
            state=IdempotencyKey.State.DONE,
            response_body={"status": 201, "body": {}},
        )

        response = client.get("/checkout/pending/k1/")

        assert response["Location"] == "/checkout/"

    def test_another_sessions_key_is_not_read(self, client, two_tees):
        order = factories.OrderFactory()
        IdempotencyKey.objects.create(
            scope="session:someone-else",
            key="k1",
            request_hash="x",
            state=IdempotencyKey.State.DONE,
            response_body={"order": order.number},
        )

        response = client.get("/checkout/pending/k1/")

        assert response["Location"] == "/checkout/"
