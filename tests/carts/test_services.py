"""The one cart per customer: merge on sign-in, sessions, quantity bounds, handoff codes, and
guest history joining a verified account."""

import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from carts.models import Cart, CartLine
from carts.services import (
    HANDOFF_ALPHABET,
    HANDOFF_LENGTH,
    cart_anonymous_new,
    cart_clear,
    cart_for_customer,
    cart_line_add,
)
from channels_app.current import SESSION_CART
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_for_user, customer_link_verified_email
from shop.orders.models import Order
from tests import factories
from tests.carts.support import (
    CART,
    CODES,
    ORDERS,
    PASSWORD,
    add_line,
    checkout,
    collect_body,
    line_url,
    post_json,
    promotion,
)
from tests.channels_app.support import assert_error, receive

MAX = settings.MAX_CART_LINE_QUANTITY
HANDOFF = re.compile(f"^[{HANDOFF_ALPHABET}]{{{HANDOFF_LENGTH}}}$")


def sign_in(client, username: str, password: str = PASSWORD) -> None:
    """Signs in through allauth's login form, as a browser does."""
    response = client.post("/accounts/login/", {"login": username, "password": password})
    assert response.status_code == 302, response.content
    assert "_auth_user_id" in client.session


def customer_cart(user, lines) -> Cart:
    cart = cart_for_customer(customer=customer_for_user(user))
    for variant, quantity in lines:
        cart_line_add(cart=cart, sku=variant.sku, quantity=quantity, channel="web")
    return cart


def quantities(body) -> dict[str, int]:
    return {line["sku"]: line["quantity"] for line in body["lines"]}


# --- merge on sign-in ------------------------------------------------------------------------


class TestMergeOnSignIn:
    def test_same_sku_quantities_add_and_the_anonymous_cart_is_gone(self, shopper, tee, mug, cap):
        own = customer_cart(shopper, [(tee, 2), (cap, 1)])
        client = Client()
        assert add_line(client, "TEE-M", 3).status_code == 201
        assert add_line(client, "MUG-1", 1).status_code == 201
        anonymous_id = client.get(CART).json()["id"]
        assert anonymous_id != own.pk

        sign_in(client, "ann")

        body = client.get(CART).json()
        assert body["id"] == own.pk
        assert quantities(body) == {"TEE-M": 5, "CAP-1": 1, "MUG-1": 1}
        assert body["subtotal"] == "119.00"  # 5 × 19.90 + 12.00 + 7.50
        anonymous = Cart.objects.get(pk=anonymous_id)
        assert anonymous.status == Cart.Status.MERGED
        assert not CartLine.objects.filter(cart=anonymous).exists()
        assert Cart.objects.filter(status=Cart.Status.OPEN).count() == 1
        assert SESSION_CART not in client.session
        assert {(line.variant.sku, line.quantity) for line in own.lines.all()} == {
            ("TEE-M", 5),
            ("CAP-1", 1),
            ("MUG-1", 1),
        }

    def test_without_a_cart_of_their_own_the_anonymous_cart_becomes_theirs(self, shopper, tee):
        client = Client()
        add_line(client, "TEE-M", 2)
        anonymous = client.get(CART).json()

        sign_in(client, "ann")

        body = client.get(CART).json()
        assert (body["id"], body["handoff_code"]) == (anonymous["id"], anonymous["handoff_code"])
        assert quantities(body) == {"TEE-M": 2}
        cart = Cart.objects.get(pk=anonymous["id"])
        assert cart.status == Cart.Status.OPEN
        assert cart.customer == Customer.objects.get(user=shopper)

    def test_merged_quantity_is_capped_at_the_line_maximum(self, shopper, tee):
        own = customer_cart(shopper, [(tee, MAX - 5)])
        client = Client()
        add_line(client, "TEE-M", 10)

        sign_in(client, "ann")

        assert quantities(client.get(CART).json()) == {"TEE-M": MAX}
        assert own.lines.get().quantity == MAX

    def test_promotion_codes_come_along(self, shopper, tee):
        promotion(kind="fixed", value="2.00", code="TWO")
        customer_cart(shopper, [(tee, 1)])
        client = Client()
        add_line(client, "TEE-M", 1)
        assert post_json(client, CODES, {"code": "TWO"}).status_code == 200

        sign_in(client, "ann")

        body = client.get(CART).json()
        assert body["promotion_codes"] == ["TWO"]
        assert (body["subtotal"], body["discount"], body["total"]) == ("39.80", "2.00", "37.80")

    def test_signing_in_with_nothing_in_the_cart_keeps_their_cart(self, shopper, tee):
        own = customer_cart(shopper, [(tee, 1)])
        client = Client()

        sign_in(client, "ann")

        body = client.get(CART).json()
        assert body["id"] == own.pk
        assert quantities(body) == {"TEE-M": 1}
        assert Cart.objects.count() == 1


class TestOneCartAcrossSessions:
    def test_two_sessions_of_one_user_share_the_cart(self, shopper, tee, mug):
        laptop, phone = Client(), Client()
        sign_in(laptop, "ann")
        sign_in(phone, "ann")
        assert laptop.session.session_key != phone.session.session_key

        add_line(laptop, "TEE-M", 2)
        seen_on_phone = phone.get(CART).json()
        add_line(phone, "MUG-1", 1)
        seen_on_laptop = laptop.get(CART).json()

        assert seen_on_phone["id"] == seen_on_laptop["id"]
        assert seen_on_phone["handoff_code"] == seen_on_laptop["handoff_code"]
        assert quantities(seen_on_phone) == {"TEE-M": 2}
        assert quantities(seen_on_laptop) == {"TEE-M": 2, "MUG-1": 1}
        assert Cart.objects.filter(status=Cart.Status.OPEN).count() == 1

        line_id = seen_on_laptop["lines"][0]["id"]
        response = phone.patch(line_url(line_id), {"quantity": 4}, content_type="application/json")
        assert response.status_code == 200
        assert quantities(laptop.get(CART).json()) == {"TEE-M": 4, "MUG-1": 1}

    def test_anonymous_sessions_have_carts_of_their_own(self, tee):
        first, second = APIClient(), APIClient()
        add_line(first, "TEE-M", 1)

        assert second.get(CART).json()["lines"] == []
        add_line(second, "TEE-M", 3)
        assert quantities(first.get(CART).json()) == {"TEE-M": 1}
        assert first.get(CART).json()["id"] != second.get(CART).json()["id"]


# --- quantities and SKUs through the API -----------------------------------------------------


class TestQuantityBounds:
    @pytest.mark.parametrize("quantity", [0, -1, MAX + 1, 2.5, "two", None])
    def test_out_of_range_quantity_is_a_400(self, api, tee, quantity):
        response = post_json(api, "/api/cart/lines/", {"sku": "TEE-M", "quantity": quantity})

        assert_error(response, 400, "invalid")
        assert not CartLine.objects.exists()

    def test_missing_quantity_is_a_400(self, api, tee):
        assert_error(post_json(api, "/api/cart/lines/", {"sku": "TEE-M"}), 400, "invalid")

    def test_the_maximum_itself_is_accepted(self, api, tee):
        response = add_line(api, "TEE-M", MAX)

        assert response.status_code == 201
        assert response.json()["quantity"] == MAX

    def test_adding_beyond_the_maximum_to_an_existing_line_is_a_400(self, api, tee):
        add_line(api, "TEE-M", MAX - 10)

        assert_error(add_line(api, "TEE-M", 11), 400, "invalid_quantity")

        assert CartLine.objects.get().quantity == MAX - 10
        response = add_line(api, "TEE-M", 10)
        assert response.status_code == 201
        assert response.json()["quantity"] == MAX
        assert CartLine.objects.get().quantity == MAX

    @pytest.mark.parametrize("quantity", [0, -3, MAX + 1])
    def test_patch_out_of_range_is_a_400(self, api, tee, quantity):
        line_id = add_line(api, "TEE-M", 2).json()["id"]

        response = api.patch(line_url(line_id), {"quantity": quantity}, format="json")

        assert_error(response, 400, "invalid")
        assert CartLine.objects.get().quantity == 2


class TestUnknownSku:
    def test_unknown_sku_is_a_400(self, api, db):
        error = assert_error(add_line(api, "NOPE"), 400, "unknown_sku")

        assert error["details"] == ["NOPE"]
        assert not CartLine.objects.exists()

    def test_inactive_variant_is_a_400(self, api, tee):
        tee.is_active = False
        tee.save()

        assert_error(add_line(api, "TEE-M"), 400, "unknown_sku")
        assert not CartLine.objects.exists()

    def test_variant_of_an_inactive_product_is_a_400(self, api, tee):
        tee.product.is_active = False
        tee.product.save()

        assert_error(add_line(api, "TEE-M"), 400, "unknown_sku")
        assert not CartLine.objects.exists()


# --- handoff codes ---------------------------------------------------------------------------


class TestHandoffCodes:
    def test_codes_are_short_readable_and_distinct(self, db):
        codes = [cart_anonymous_new().handoff_code for _ in range(300)]

        assert all(HANDOFF.match(code) for code in codes), codes
        assert len(set(codes)) == len(codes)
        assert not set("01IO") & set("".join(codes))
        assert HANDOFF_LENGTH == 6
        assert HANDOFF_ALPHABET == "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

    def test_the_api_shows_the_carts_code(self, api, tee):
        add_line(api, "TEE-M")

        body = api.get(CART).json()

        assert HANDOFF.match(body["handoff_code"])
        assert body["handoff_code"] == Cart.objects.get(pk=body["id"]).handoff_code

    def test_an_emptied_cart_gets_a_fresh_code(self, tee):
        cart = cart_anonymous_new()
        cart_line_add(cart=cart, sku="TEE-M", quantity=1, channel="web")
        before = cart.handoff_code

        cart_clear(cart=cart)

        cart.refresh_from_db()
        assert HANDOFF.match(cart.handoff_code)
        assert cart.handoff_code != before
        assert not cart.lines.exists()


# --- guest history joins a verified account --------------------------------------------------


@pytest.fixture
def guest_order(store, tee):
    """An anonymous shopper checked out as ann@example.com: a guest customer with an order."""
    receive(store, tee, 5)
    client = APIClient()
    add_line(client, "TEE-M", 1)
    response = checkout(client, collect_body(email="Ann@Example.com"))
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


class TestGuestHistory:
    def test_verified_email_brings_guest_orders_and_events(self, guest_order):
        guest = guest_order.customer
        assert guest.user is None
        guest_events = set(guest.events.values_list("pk", flat=True))
        assert len(guest_events) == 2  # checkout started, order placed
        user = factories.UserFactory(username="annie", email="ann@example.com")
        interim = customer_for_user(user)  # signed in before verifying: a customer of its own
        factories.OrderFactory(customer=interim, status=Order.Status.PLACED, number="OS-OWN001")
        interim_cart = cart_for_customer(customer=interim)
        cart_line_add(cart=interim_cart, sku="TEE-M", quantity=2, channel="web")
        assert interim.pk != guest.pk
        assert interim.email == ""

        linked = customer_link_verified_email(user=user, email="ann@example.com")

        assert linked.pk == guest.pk
        assert Customer.objects.get(user=user).pk == guest.pk
        assert not Customer.objects.filter(pk=interim.pk).exists()
        assert set(Order.objects.filter(customer=guest).values_list("number", flat=True)) == {
            guest_order.number,
            "OS-OWN001",
        }
        events = set(CustomerEvent.objects.filter(customer=guest).values_list("pk", flat=True))
        assert guest_events < events  # the guest's and the interim customer's (line added)
        assert CustomerEvent.objects.filter(customer=guest, kind="cart_line_added").count() == 1
        cart = Cart.objects.get(customer=guest, status=Cart.Status.OPEN)
        assert cart.pk == interim_cart.pk
        assert [(line.variant.sku, line.quantity) for line in cart.lines.all()] == [("TEE-M", 2)]

    def test_email_of_another_account_keeps_histories_apart(self, guest_order):
        owner = factories.UserFactory(username="owner")
        guest_order.customer.user = owner
        guest_order.customer.save()
        intruder = factories.UserFactory(username="intruder")

        linked = customer_link_verified_email(user=intruder, email="ann@example.com")

        assert linked.pk != guest_order.customer.pk
        assert linked.user == intruder
        assert Order.objects.get(pk=guest_order.pk).customer.user == owner

    def test_signing_in_with_an_already_verified_email_shows_guest_orders(self, guest_order):
        user = factories.UserFactory(username="annie", email="ann@example.com")
        EmailAddress.objects.create(user=user, email="ann@example.com", verified=True, primary=True)
        client = Client()

        sign_in(client, "annie")

        body = client.get(ORDERS).json()
        assert [order["number"] for order in body["results"]] == [guest_order.number]
        assert Customer.objects.get(user=user).pk == guest_order.customer.pk


class TestSignUpAndConfirm:
    """Through allauth's own pages: sign up (unverified), then follow the emailed link."""

    PASSWORD = "a-long-and-unusual-passphrase-42"

    def sign_up(self, client) -> None:
        response = client.post(
            "/accounts/signup/",
            {"email": "ann@example.com", "password1": self.PASSWORD, "password2": self.PASSWORD},
        )
        assert response.status_code == 302, response.content

    def test_unverified_sign_up_does_not_get_guest_orders_and_confirming_does(self, guest_order):
        guest = guest_order.customer
        mail.outbox.clear()
        client = Client()

        self.sign_up(client)

        address = EmailAddress.objects.get(email__iexact="ann@example.com")
        assert not address.verified
        listed = client.get(ORDERS)
        assert listed.status_code == 200
        assert listed.json()["results"] == []
        assert client.get(f"{ORDERS}{guest_order.number}/").status_code == 404
        own = Customer.objects.get(user=address.user)
        assert own.pk != guest.pk
        guest.refresh_from_db()
        assert guest.user is None
        assert Order.objects.get(pk=guest_order.pk).customer_id == guest.pk

        [message] = mail.outbox
        link = re.search(r"/accounts/confirm-email/[^/\s]+/", message.body).group(0)
        assert client.post(link).status_code == 302

        address.refresh_from_db()
        assert address.verified
        body = client.get(ORDERS).json()
        assert [order["number"] for order in body["results"]] == [guest_order.number]
        assert client.get(f"{ORDERS}{guest_order.number}/").status_code == 200
        guest.refresh_from_db()
        assert guest.user == address.user
        assert not Customer.objects.filter(pk=own.pk).exists()
        assert set(guest.events.values_list("kind", flat=True)) == {
            "checkout_started",
            "order_placed",
            "customers_merged",  # the account's own customer, now the guest's
        }

    def test_cart_filled_before_sign_up_stays_with_the_shopper(self, guest_order, mug):
        client = Client()
        add_line(client, "MUG-1", 2)
        mail.outbox.clear()

        self.sign_up(client)
        [message] = mail.outbox
        link = re.search(r"/accounts/confirm-email/[^/\s]+/", message.body).group(0)
        client.post(link)

        body = client.get(CART).json()
        assert quantities(body) == {"MUG-1": 2}
        assert Cart.objects.get(pk=body["id"]).customer == guest_order.customer
        assert body["subtotal"] == "15.00"
        assert Decimal(body["total"]) == Decimal("15.00")
