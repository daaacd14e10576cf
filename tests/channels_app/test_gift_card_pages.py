"""Gift cards on the pages: part of a web checkout, part of a till sale, and a gift card sold at
the till with its code printed on the receipt."""

import html
import re
import uuid
from decimal import Decimal

import pytest

from shop.customers.services import customer_for_user
from shop.orders.models import Order
from shop.payments.models import Payment, StoredValueAccount
from shop.payments.stored_value import (
    gift_card_by_code,
    gift_card_issue,
    store_credit_account,
    store_credit_balance,
    stored_value_credit,
)
from tests import factories
from tests.channels_app.support import clerk_at_open_till, receive, till_pay

CHECKOUT = "/checkout/"
TILL = "/pos/"
SCAN = "/pos/sale/scan/"
COMPLETE = "/pos/sale/complete/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def card(amount: str = "50.00") -> str:
    return gift_card_issue(amount=Decimal(amount), channel="api").code


@pytest.fixture
def bag(store, warehouse):
    variant = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"))
    receive(store, variant, 5)
    receive(warehouse, variant, 5)
    return variant


@pytest.fixture
def gift50(db):
    return factories.VariantFactory(
        sku="GIFT-50", price=Decimal("50.00"), product__name="Gift card", product__is_gift_card=True
    )


def checkout_body(**fields) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "email": "ann@example.com",
        "fulfilment": "delivery",
        "payment_method": "card",
        "card_token": "tok_visa",
        "name": "Ann Example",
        "line1": "1 Rue de la Paix",
        "postcode": "75002",
        "city": "Paris",
        "country": "FR",
        **fields,
    }


class TestWebCheckout:
    def test_the_page_offers_a_gift_card(self, client, bag):
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        page = text(client.get(CHECKOUT))

        assert "Pay part with a gift card" in page
        assert 'name="gift_card_code"' in page

    def test_gift_card_and_card(self, client, bag):
        code = card()
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        response = client.post(
            CHECKOUT, checkout_body(gift_card_code=code, gift_card_amount="12.00")
        )

        assert response.status_code == 302, response.context and response.context["form"].errors
        order = Order.objects.get()
        paid = sorted(order.payments.values_list("method", "amount"))
        assert paid == [("card", Decimal("18.00")), ("gift_card", Decimal("12.00"))]
        assert gift_card_by_code(code).balance == Decimal("38.00")

    def test_a_gift_card_covering_it_all_charges_no_card(self, client, bag):
        code = card()
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        response = client.post(
            CHECKOUT, checkout_body(gift_card_code=code, gift_card_amount="30.00", card_token="")
        )

        assert response.status_code == 302
        assert list(Payment.objects.values_list("method", flat=True)) == ["gift_card"]

    def test_too_little_on_the_card_is_said_next_to_it(self, client, bag):
        code = card("5.00")
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        response = client.post(
            CHECKOUT, checkout_body(gift_card_code=code, gift_card_amount="10.00")
        )

        assert response.status_code == 200
        assert "less than 10.00" in response.context["form"].errors["gift_card_amount"][0]
        assert gift_card_by_code(code).balance == Decimal("5.00")

    def test_an_unknown_code_is_said_next_to_it(self, client, bag):
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        response = client.post(
            CHECKOUT, checkout_body(gift_card_code="NOPE-NOPE", gift_card_amount="10.00")
        )

        assert response.context["form"].errors["gift_card_code"]
        assert not Order.objects.filter(status="placed").exists()


@pytest.fixture
def till(client, clerk, store):
    return clerk_at_open_till(client, clerk, store)


pay = till_pay


class TestTill:
    def test_gift_card_and_cash_shows_the_change_on_what_is_left(self, till, store, bag):
        code = card()
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})

        review = pay(
            till,
            store,
            method="cash",
            tendered="20.00",
            gift_card_code=code,
            gift_card_amount="15.00",
        )

        assert review.status_code == 200
        assert review.context["review"]["change"] == Decimal("5.00")
        assert not Order.objects.exists()
        done = pay(
            till,
            store,
            method="cash",
            tendered="20.00",
            confirmed="on",
            gift_card_code=code,
            gift_card_amount="15.00",
        )
        assert done.status_code == 302
        order = Order.objects.get()
        paid = order.payments.order_by("id").values_list("method", "amount", "change_due")
        assert list(paid) == [
            ("gift_card", Decimal("15.00"), None),
            ("cash", Decimal("15.00"), Decimal("5.00")),
        ]
        receipt = text(till.get(done["Location"]))
        assert f"…{code[-4:]}" in receipt

    def test_a_gift_card_sold_at_the_till_prints_its_code_once(self, till, store, gift50):
        till.post(SCAN, {"store": store.code, "code": "GIFT-50"})

        response = pay(till, store, method="card", terminal_reference="T-1")

        assert response.status_code == 200
        [code] = re.findall(r"data-gift-card-code>([A-Z0-9-]+)<", response.content.decode())
        assert gift_card_by_code(code).balance == Decimal("50.00")
        number = Order.objects.get().number
        reprint = text(till.get(f"/pos/receipts/{number}/"))
        assert code not in reprint
        assert StoredValueAccount.objects.count() == 1


def test_a_gift_card_product_page_speaks_of_email_not_stock(client, gift50):
    page = text(client.get(gift50.product.get_absolute_url()))

    assert "Delivered by email" in page
    assert "Out of stock" not in page
    assert "Add to cart" in page


class TestStoreCreditOnTheWeb:
    @pytest.fixture
    def ann(self, client, db):
        user = factories.UserFactory(email="ann@example.com")
        client.force_login(user)
        customer = customer_for_user(user)
        stored_value_credit(
            account=store_credit_account(customer=customer),
            amount=Decimal("10.00"),
            channel="pos",
        )
        return customer

    def test_a_signed_in_shopper_spends_their_credit_first(self, client, ann, bag):
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        page = text(client.get(CHECKOUT))
        response = client.post(CHECKOUT, checkout_body(use_store_credit="on"))

        assert "Use my store credit (€10.00 available)" in page
        assert response.status_code == 302, response.context and response.context["form"].errors
        paid = sorted(Order.objects.get().payments.values_list("method", "amount"))
        assert paid == [("card", Decimal("20.00")), ("store_credit", Decimal("10.00"))]
        assert store_credit_balance(customer=ann) == Decimal("0.00")

    def test_credit_covering_the_order_charges_no_card(self, client, ann, bag):
        stored_value_credit(
            account=store_credit_account(customer=ann), amount=Decimal("40.00"), channel="pos"
        )
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        response = client.post(CHECKOUT, checkout_body(use_store_credit="on", card_token=""))

        assert response.status_code == 302
        assert list(Payment.objects.values_list("method", "amount")) == [
            ("store_credit", Decimal("30.00"))
        ]
        assert store_credit_balance(customer=ann) == Decimal("20.00")

    def test_no_credit_no_offer(self, client, bag):
        client.post("/cart/add/", {"sku": "BAG-30", "quantity": "1"})

        assert "Use my store credit" not in text(client.get(CHECKOUT))
