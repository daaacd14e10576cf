"""The cart page: lines, quantities, removals, promotion codes and the in-store handoff code."""

from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from carts.models import Cart, CartLine, Promotion
from carts.services import cart_for_customer, cart_line_add
from shop.customers.services import customer_for_user
from tests import factories

CART = "/cart/"
ADD = "/cart/add/"
CODES = "/cart/codes/"


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
def filled(client, tee, mug):
    """An anonymous shopper's cart: 2 tees and 1 mug, added through the product form."""
    client.post(ADD, {"sku": "TEE-M", "quantity": "2"})
    client.post(ADD, {"sku": "MUG-1", "quantity": "1"})
    return Cart.objects.get()


def line_of(cart: Cart, sku: str) -> CartLine:
    return cart.lines.get(variant__sku=sku)


def page(client) -> str:
    response = client.get(CART)
    assert response.status_code == 200
    return response.content.decode()


class TestCartPage:
    def test_lines_and_totals(self, client, filled):
        html = page(client)

        assert "Crew Tee" in html
        assert "Size M" in html
        assert 'value="2"' in html
        assert "€39.80" in html  # 2 × 19.90
        assert "€7.50" in html
        assert "<dt>Subtotal</dt><dd>€47.30</dd>" in html
        assert "<dt>Total</dt><dd>€47.30</dd>" in html
        assert 'href="/checkout/"' in html

    def test_handoff_code_as_qr_and_text(self, client, filled):
        html = page(client)

        assert '<p class="handoff-code" aria-label="Cart code' in html
        assert f">{filled.handoff_code}</p>" in html
        assert '<svg class="qr" role="img"' in html
        assert "<?xml" not in html
        assert (
            "Show this code in any of our stores: a clerk can load this cart at the till." in html
        )

    def test_empty_state_without_a_cart(self, client, db):
        html = page(client)

        assert "Your cart is empty" in html
        assert '<svg class="qr"' not in html
        assert not Cart.objects.exists()  # looking does not create a cart

    def test_header_counts_the_units(self, client, filled):
        html = page(client)

        assert 'class="cart-count" aria-label="3 items">3</span>' in html

    def test_same_queries_for_1_and_30_lines(self, client, shopper, django_assert_num_queries):
        client.force_login(shopper)
        cart = cart_for_customer(customer=customer_for_user(shopper))
        category = factories.CategoryFactory()
        automatic = Promotion.objects.create(
            name="Winter", kind=Promotion.Kind.PERCENTAGE, value=Decimal("10")
        )
        automatic.categories.add(category)
        variants = factories.VariantFactory.create_batch(30, product__category=category)
        cart_line_add(cart=cart, sku=variants[0].sku, quantity=1, channel="web")
        client.get(CART)  # both measured with the cached header and promotions
        with CaptureQueriesContext(connection) as one_line:
            assert client.get(CART).status_code == 200
        for variant in variants[1:]:
            cart_line_add(cart=cart, sku=variant.sku, quantity=2, channel="web")

        with django_assert_num_queries(len(one_line)):
            html = client.get(CART).content.decode()
        assert html.count('class="line"') == 30
        assert "Winter" in html

    def test_anonymous_cart_same_queries_for_1_and_30_lines(
        self, client, tee, django_assert_num_queries
    ):
        variants = factories.VariantFactory.create_batch(29)
        client.post(ADD, {"sku": "TEE-M", "quantity": "1"})
        client.get(CART)
        with CaptureQueriesContext(connection) as one_line:
            assert client.get(CART).status_code == 200
        queries = len(one_line)  # read now: each request empties the connection's query log
        for variant in variants:
            client.post(ADD, {"sku": variant.sku, "quantity": "2"})

        with django_assert_num_queries(queries):
            html = client.get(CART).content.decode()
        assert html.count('class="line"') == 30
        assert queries == 3  # the session, the cart with its lines, its codes

    def test_signed_in_shopper_sees_lines_and_codes(self, client, shopper, tee):
        client.force_login(shopper)
        cart = cart_for_customer(customer=customer_for_user(shopper))
        cart_line_add(cart=cart, sku="TEE-M", quantity=2, channel="web")
        cart.promotions.add(
            Promotion.objects.create(
                name="Big basket",
                code="BIG",
                kind=Promotion.Kind.FIXED,
                value=Decimal("10"),
                min_subtotal=Decimal("100"),
            )
        )

        html = page(client)

        assert "Crew Tee" in html
        assert '<span class="code-chip">BIG</span> Big basket' in html
        assert "not applied yet: from €100.00" in html

    def test_a_session_cart_no_longer_anonymous_is_not_shown(self, client, filled, shopper):
        filled.customer = customer_for_user(shopper)
        filled.save(update_fields=["customer"])

        html = page(client)

        assert "Your cart is empty" in html
        assert 'class="line"' not in html


class TestQuantities:
    def test_update(self, client, filled):
        line = line_of(filled, "TEE-M")

        response = client.post(f"/cart/lines/{line.pk}/", {"quantity": "4"}, follow=True)

        line.refresh_from_db()
        assert line.quantity == 4
        html = response.content.decode()
        assert "€79.60" in html
        assert "Crew Tee — Size M: quantity 4." in html

    @pytest.mark.parametrize("quantity", ["0", "-1", "x", "51"])
    def test_bad_quantity_is_a_message(self, client, filled, quantity):
        line = line_of(filled, "TEE-M")

        response = client.post(f"/cart/lines/{line.pk}/", {"quantity": quantity}, follow=True)

        line.refresh_from_db()
        assert line.quantity == 2
        assert "Quantity:" in response.content.decode()

    def test_remove(self, client, filled):
        line = line_of(filled, "TEE-M")

        response = client.post(f"/cart/lines/{line.pk}/remove/", follow=True)

        assert list(filled.lines.values_list("variant__sku", flat=True)) == ["MUG-1"]
        assert "Item removed from your cart." in response.content.decode()

    def test_removing_the_last_line_shows_the_empty_cart(self, client, filled):
        for line in filled.lines.all():
            client.post(f"/cart/lines/{line.pk}/remove/")

        assert "Your cart is empty" in page(client)

    def test_another_carts_line_is_not_touched(self, client, filled, shopper, tee):
        other = cart_for_customer(customer=customer_for_user(shopper))
        theirs = cart_line_add(cart=other, sku="TEE-M", quantity=1, channel="web")

        updated = client.post(f"/cart/lines/{theirs.pk}/", {"quantity": "9"}, follow=True)
        removed = client.post(f"/cart/lines/{theirs.pk}/remove/", follow=True)

        theirs.refresh_from_db()
        assert theirs.quantity == 1
        assert f"No line {theirs.pk} in this cart." in updated.content.decode()
        assert f"No line {theirs.pk} in this cart." in removed.content.decode()

    def test_without_a_cart_a_change_is_a_message(self, client, db):
        response = client.post("/cart/lines/1/remove/", follow=True)

        assert response.status_code == 200
        assert "Your cart is empty." in response.content.decode()

    def test_changes_are_post_only(self, client, filled):
        line = line_of(filled, "TEE-M")

        assert client.get(f"/cart/lines/{line.pk}/").status_code == 405
        assert client.get(f"/cart/lines/{line.pk}/remove/").status_code == 405


class TestPromotionCodes:
    @pytest.fixture
    def save10(self, db):
        return Promotion.objects.create(
            name="Ten off", code="SAVE10", kind=Promotion.Kind.PERCENTAGE, value=Decimal("10")
        )

    def test_valid_code_lowers_the_total(self, client, filled, save10):
        response = client.post(CODES, {"code": "save10"}, follow=True)

        html = response.content.decode()
        assert "Code SAVE10 added: Ten off." in html
        assert "−€4.73" in html  # 10 % of 47.30
        assert "<dt>Total</dt><dd>€42.57</dd>" in html
        assert list(filled.promotions.all()) == [save10]

    def test_invalid_code_shows_the_message(self, client, filled):
        response = client.post(CODES, {"code": "NOPE"}, follow=True)

        html = response.content.decode()
        assert "The code &#x27;NOPE&#x27; is unknown or no longer valid." in html
        assert "<dt>Total</dt><dd>€47.30</dd>" in html
        assert not filled.promotions.exists()

    def test_blank_code_asks_for_one(self, client, filled):
        response = client.post(CODES, {"code": "  "}, follow=True)

        assert "Enter a promotion code." in response.content.decode()

    def test_code_below_its_minimum_is_listed_as_not_applied(self, client, filled):
        Promotion.objects.create(
            name="Big basket",
            code="BIG",
            kind=Promotion.Kind.FIXED,
            value=Decimal("10"),
            min_subtotal=Decimal("100"),
        )

        html = client.post(CODES, {"code": "BIG"}, follow=True).content.decode()

        assert "not applied yet: from €100.00" in html
        assert "<dt>Total</dt><dd>€47.30</dd>" in html

    def test_remove_code(self, client, filled, save10):
        client.post(CODES, {"code": "SAVE10"})

        response = client.post("/cart/codes/remove/", {"code": "SAVE10"}, follow=True)

        assert not filled.promotions.exists()
        assert "<dt>Total</dt><dd>€47.30</dd>" in response.content.decode()


class TestCartCountTag:
    def render(self, request) -> str:
        template = Template("{% load storefront %}{% cart_item_count %}")
        return template.render(Context({"request": request}))

    def test_one_query_for_a_signed_in_shopper(self, shopper, tee, django_assert_num_queries):
        cart = cart_for_customer(customer=customer_for_user(shopper))
        cart_line_add(cart=cart, sku="TEE-M", quantity=3, channel="web")
        request = RequestFactory().get("/")
        request.user = shopper
        request.session = {}

        with django_assert_num_queries(1):
            assert self.render(request) == "3"

    def test_anonymous_without_a_cart_costs_nothing(self, db, django_assert_num_queries):
        from django.contrib.auth.models import AnonymousUser

        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        request.session = {}

        with django_assert_num_queries(0):
            assert self.render(request) == "0"
