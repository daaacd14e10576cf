"""The TouchWall kiosk: device enrolment and revocation, stock here / elsewhere / online,
ordering through the web checkout with channel `kiosk`, handing the cart over, idle reset."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from carts.models import Cart
from channels_app.credentials import credential_revoke
from shop.orders.models import Order
from tests import factories
from tests.catalog_support import add_picture
from tests.channels_app.kiosk_support import enrolled_client, kiosk_token
from tests.channels_app.support import page_text, receive
from tests.conftest import auth

pytestmark = pytest.mark.django_db


@pytest.fixture
def jumper(warehouse, store, other_store):
    product = factories.ProductFactory(name="Merino Jumper", slug="merino-jumper")
    medium = factories.VariantFactory(
        product=product, sku="JMP-M", name="Navy / M", price=Decimal("79.00")
    )
    add_picture(product, alt="Merino jumper, navy")
    receive(store, medium, 2)
    receive(other_store, medium, 1)
    receive(warehouse, medium, 5)
    return medium


@pytest.fixture
def kiosk(store):
    client, _ = enrolled_client(store)
    return client


class TestDevice:
    def test_an_unenrolled_screen_is_sent_to_enrol(self, client, store):
        response = client.get(f"/kiosk/{store.code}/")
        assert response.status_code == 302
        assert response["Location"] == f"/kiosk/{store.code}/enrol/"

    def test_a_wrong_token_is_refused(self, client, store):
        response = client.post(f"/kiosk/{store.code}/enrol/", {"token": "oms_nope"})
        assert response.status_code == 400
        assert "not a live kiosk token" in page_text(response)

    def test_a_token_of_another_store_is_refused(self, client, store, other_store):
        _, token = kiosk_token(other_store)
        response = client.post(f"/kiosk/{store.code}/enrol/", {"token": token})
        assert response.status_code == 400

    def test_enrolled_then_revoked(self, store, jumper):
        client, credential = enrolled_client(store)
        assert client.get(f"/kiosk/{store.code}/").status_code == 200
        credential_revoke(credential=credential)
        assert client.get(f"/kiosk/{store.code}/").status_code == 302

    def test_the_cookie_is_for_its_store_only(self, kiosk, other_store):
        assert kiosk.get(f"/kiosk/{other_store.code}/").status_code == 302


class TestBrowsing:
    def test_start_lists_the_catalogue_with_pictures(self, kiosk, store, jumper):
        html = page_text(kiosk.get(f"/kiosk/{store.code}/"))
        assert "Merino Jumper" in html
        assert "/media/CACHE/images/products/merino-jumper/" in html

    def test_search_and_category(self, kiosk, store, jumper):
        assert "Merino Jumper" in page_text(kiosk.get(f"/kiosk/{store.code}/", {"q": "merino"}))
        assert "Nothing found" in page_text(kiosk.get(f"/kiosk/{store.code}/", {"q": "zzz"}))
        slug = jumper.product.category.slug
        html = page_text(kiosk.get(f"/kiosk/{store.code}/", {"category": slug}))
        assert "Merino Jumper" in html

    def test_stock_here_at_other_stores_and_online(self, kiosk, store, other_store, jumper):
        html = page_text(kiosk.get(f"/kiosk/{store.code}/p/merino-jumper/"))
        assert "Here: 2 in stock" in html
        assert f"{other_store.name}: 1 in stock" in html
        assert "Online: 5 for delivery" in html

    def test_the_stock_panel_refreshes_from_the_stock(self, kiosk, store, jumper):
        url = f"/kiosk/{store.code}/p/merino-jumper/stock/"
        assert "Here: 2 in stock" in page_text(kiosk.get(url))
        receive(store, jumper, 3)
        cache.clear()
        assert "Here: 5 in stock" in page_text(kiosk.get(url))

    @pytest.mark.parametrize("products", [2, 12])
    def test_start_page_queries_do_not_grow(
        self, kiosk, store, products, django_assert_max_num_queries
    ):
        for _ in range(products):
            product = factories.ProductFactory()
            factories.VariantFactory(product=product)
            add_picture(product)
        with django_assert_max_num_queries(8):
            kiosk.get(f"/kiosk/{store.code}/")

    @pytest.mark.parametrize("variants", [1, 5])
    def test_product_page_queries_do_not_grow(
        self, kiosk, store, variants, django_assert_max_num_queries
    ):
        product = factories.ProductFactory(slug="p")
        for _ in range(variants):
            factories.VariantFactory(product=product)
        with django_assert_max_num_queries(7):
            kiosk.get(f"/kiosk/{store.code}/p/p/")


def add(kiosk, store, sku="JMP-M"):
    return kiosk.post(f"/kiosk/{store.code}/cart/add/", {"sku": sku, "quantity": 1})


def order_form(**fields) -> dict:
    return {
        "idempotency_key": fields.pop("key", "k-1"),
        "email": "ann@example.com",
        "payment_method": "pay_at_pickup",
        "card_token": "",
        **fields,
    }


class TestOrdering:
    def test_collect_here(self, kiosk, store, jumper):
        add(kiosk, store)
        response = kiosk.post(
            f"/kiosk/{store.code}/checkout/", order_form(fulfilment="collect", store=store.code)
        )
        assert response.status_code == 302, page_text(response)
        order = Order.objects.get()
        assert (order.channel, order.fulfilment, order.store) == ("kiosk", "collect", store)
        assert order.number in page_text(kiosk.get(response["Location"]))

    def test_collect_at_another_store(self, kiosk, store, other_store, jumper):
        add(kiosk, store)
        kiosk.post(
            f"/kiosk/{store.code}/checkout/",
            order_form(fulfilment="collect", store=other_store.code),
        )
        assert Order.objects.get().store == other_store

    def test_delivery_paid_by_card(self, kiosk, store, jumper):
        add(kiosk, store)
        address = {
            "name": "Ann",
            "line1": "1 rue Haute",
            "postcode": "75001",
            "city": "Paris",
            "country": "FR",
        }
        response = kiosk.post(
            f"/kiosk/{store.code}/checkout/",
            order_form(
                fulfilment="delivery", payment_method="card", card_token="tok_visa", **address
            ),
        )
        assert response.status_code == 302, page_text(response)
        assert Order.objects.get().fulfilment == "delivery"

    def test_stock_gone_since_it_was_shown_is_explained(self, kiosk, store, jumper):
        add(kiosk, store)
        add(kiosk, store)
        add(kiosk, store)  # three wanted, two here
        response = kiosk.post(
            f"/kiosk/{store.code}/checkout/", order_form(fulfilment="collect", store=store.code)
        )
        html = page_text(response)
        assert response.status_code == 200
        assert "2 left of the 3 wanted" in html
        assert not Order.objects.exists()

    def test_the_same_submit_twice_is_one_order(self, kiosk, store, jumper):
        add(kiosk, store)
        body = order_form(fulfilment="collect", store=store.code)
        kiosk.post(f"/kiosk/{store.code}/checkout/", body)
        kiosk.post(f"/kiosk/{store.code}/checkout/", body)
        assert Order.objects.count() == 1


class TestHandoffAndReset:
    def test_the_cart_shows_its_code_and_a_qr_code(self, kiosk, store, jumper):
        add(kiosk, store)
        html = page_text(kiosk.get(f"/kiosk/{store.code}/cart/handoff/"))
        cart = Cart.objects.get()
        assert cart.handoff_code in html
        assert "<svg" in html

    def test_a_phone_takes_the_cart(self, client, kiosk, store, jumper):
        add(kiosk, store)
        html = kiosk.get(f"/kiosk/{store.code}/cart/handoff/").content.decode()
        take = html.split("/kiosk/take/", 1)[1].split("/", 1)[0]
        kiosk_cart = Cart.objects.get()

        response = client.get(f"/kiosk/take/{take}/")

        assert response["Location"] == "/cart/"
        kiosk_cart.refresh_from_db()
        assert kiosk_cart.status == Cart.Status.MERGED
        phone = Cart.objects.get(status=Cart.Status.OPEN)
        assert [line.variant.sku for line in phone.lines.all()] == ["JMP-M"]
        assert "Merino Jumper" in page_text(client.get("/cart/"))
        assert "The cart is empty" in page_text(kiosk.get(f"/kiosk/{store.code}/cart/"))

    def test_a_forged_take_link_does_nothing(self, client, db):
        response = client.get("/kiosk/take/forged/")
        assert response["Location"] == "/cart/"
        assert not Cart.objects.exists()

    def test_the_clerk_loads_it_at_the_till_by_its_code(self, kiosk, store, jumper, clerk):
        add(kiosk, store)
        code = Cart.objects.get().handoff_code

        response = auth(APIClient(), clerk).get(f"/api/pos/carts/{code}/")
        assert response.status_code == 200
        assert response.json()["lines"][0]["sku"] == "JMP-M"

    def test_reset_starts_a_new_shopper_with_an_empty_cart(self, kiosk, store, jumper):
        add(kiosk, store)
        response = kiosk.post(f"/kiosk/{store.code}/reset/")
        assert response["Location"] == f"/kiosk/{store.code}/"
        assert "The cart is empty" in page_text(kiosk.get(f"/kiosk/{store.code}/cart/"))
        assert kiosk.get(f"/kiosk/{store.code}/").status_code == 200  # still enrolled
