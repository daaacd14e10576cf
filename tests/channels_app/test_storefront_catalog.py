"""The shopper's catalog pages: home, category, search, product, and adding to the cart."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carts.models import CartLine
from channels_app.visitor import VISITOR_COOKIE
from inventory.services import StockLine, stock_receive
from shop.customers.models import CustomerEvent
from shop.customers.product_views import product_views_flush
from tests import factories

HOME = "/"
SEARCH = "/search/"
ADD = "/cart/add/"


def receive(location, variant, quantity: int) -> None:
    stock_receive(location=location, lines=[StockLine(variant, quantity)])


@pytest.fixture
def knitwear(db):
    return factories.CategoryFactory(name="Knitwear", slug="knitwear")


@pytest.fixture
def jumper(knitwear):
    product = factories.ProductFactory(
        name="Merino Jumper",
        slug="merino-jumper",
        category=knitwear,
        description="Fine-gauge merino, never itchy.",
    )
    factories.VariantFactory(product=product, sku="JMP-M", name="Navy / M", price=Decimal("79.00"))
    factories.VariantFactory(product=product, sku="JMP-L", name="Navy / L", price=Decimal("84.00"))
    return product


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_products(category, n: int, **fields) -> list:
    products = []
    for _ in range(n):
        product = factories.ProductFactory(category=category, **fields)
        factories.VariantFactory.create_batch(2, product=product)
        products.append(product)
    return products


def card_queries(client, url: str) -> list[str]:
    """The queries that price product cards, on a cold cache."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if 'MIN("catalog_variant"."price")' in q["sql"]]


class TestHome:
    def test_shows_categories_and_products_with_prices(self, client, jumper):
        factories.CategoryFactory(name="Shoes", slug="shoes")

        response = client.get(HOME)

        assert response.status_code == 200
        html = response.content.decode()
        assert "Shop by category" in html
        assert 'href="/c/shoes/"' in html
        assert "Merino Jumper" in html
        assert "from</span> €79.00" in html

    def test_header_has_search_cart_and_sign_in(self, client, db):
        html = client.get(HOME).content.decode()

        assert 'action="/search/"' in html
        assert 'href="/cart/"' in html
        assert 'href="/accounts/login/"' in html
        assert "Omnistore" in html

    def test_signed_in_header_links_to_orders(self, client, shopper):
        client.force_login(shopper)

        html = client.get(HOME).content.decode()

        assert 'href="/account/orders/"' in html
        assert 'href="/accounts/logout/"' in html
        assert 'href="/accounts/login/"' not in html

    def test_new_in_shows_the_eight_newest_newest_first(self, client, knitwear):
        for n in range(10):
            factories.VariantFactory(product__name=f"Knit {n:02d}", product__category=knitwear)

        html = client.get(HOME).content.decode()

        shown = [f"Knit {n:02d}" for n in range(10) if f"Knit {n:02d}" in html]
        assert shown == [f"Knit {n:02d}" for n in range(2, 10)]
        assert html.index("Knit 09") < html.index("Knit 02")

    def test_prices_only_the_eight_it_shows(self, client, knitwear):
        add_products(knitwear, 3)
        with_three = count_queries(client, HOME)
        add_products(knitwear, 27)

        assert count_queries(client, HOME) == with_three
        [cards] = card_queries(client, HOME)
        assert "LIMIT 8" in cards.split(" IN (", 1)[1]


class TestCategory:
    def test_lists_the_category_products(self, client, jumper, knitwear):
        other = factories.ProductFactory(name="Canvas Tote", category__slug="bags")
        factories.VariantFactory(product=other)

        response = client.get(knitwear.get_absolute_url())

        assert response.status_code == 200
        html = response.content.decode()
        assert "<h1>Knitwear</h1>" in html
        assert "Merino Jumper" in html
        assert "Canvas Tote" not in html
        assert "1 product<" in html

    def test_one_price_is_not_a_from_price(self, client, knitwear):
        product = factories.ProductFactory(name="Beanie", category=knitwear)
        factories.VariantFactory.create_batch(2, product=product, price=Decimal("29.00"))

        html = client.get(knitwear.get_absolute_url()).content.decode()

        assert "€29.00" in html
        assert "from</span>" not in html

    def test_unknown_category_is_a_404(self, client, db):
        assert client.get("/c/nope/").status_code == 404

    def test_pages_of_24(self, client, knitwear):
        for n in range(30):
            product = factories.ProductFactory(name=f"Knit {n:02d}", category=knitwear)
            factories.VariantFactory(product=product)

        first = client.get(knitwear.get_absolute_url()).content.decode()
        second = client.get(knitwear.get_absolute_url() + "?page=2").content.decode()

        assert first.count('class="product-card"') == 24
        assert second.count('class="product-card"') == 6
        assert "Page 1 of 2" in first
        assert "Knit 29" in second
        assert "Knit 29" not in first

    def test_same_queries_for_2_and_24_products(self, client, knitwear, django_assert_num_queries):
        def add_products(n: int) -> None:
            for _ in range(n):
                product = factories.ProductFactory(category=knitwear)
                factories.VariantFactory.create_batch(2, product=product)

        add_products(2)
        with_two = count_queries(client, knitwear.get_absolute_url())
        add_products(22)

        with django_assert_num_queries(with_two):
            response = client.get(knitwear.get_absolute_url())
        assert response.content.decode().count('class="product-card"') == 24

    def test_a_page_costs_the_same_in_a_category_of_30_or_90(self, client, knitwear):
        url = knitwear.get_absolute_url()
        add_products(knitwear, 30)
        small = [len(card_queries(client, url)), count_queries(client, url + "?page=2")]
        cache.clear()
        small.append(count_queries(client, url + "?page=2"))
        add_products(knitwear, 60)
        big = [len(card_queries(client, url)), count_queries(client, url + "?page=3")]
        cache.clear()
        big.append(count_queries(client, url + "?page=3"))

        assert big == small
        [cards] = card_queries(client, url + "?page=3")
        assert "LIMIT 24 OFFSET 48" in cards.split(" IN (", 1)[1]

    def test_counts_without_pricing(self, client, knitwear):
        add_products(knitwear, 3)
        cache.clear()

        with CaptureQueriesContext(connection) as queries:
            html = client.get(knitwear.get_absolute_url()).content.decode()

        [count] = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
        assert "catalog_variant" not in count
        assert "3 products<" in html


class TestSearch:
    def test_finds_by_name_and_sku(self, client, jumper):
        by_name = client.get(SEARCH, {"q": "merino"}).content.decode()
        by_sku = client.get(SEARCH, {"q": "JMP-L"}).content.decode()

        assert "Merino Jumper" in by_name
        assert "Merino Jumper" in by_sku
        assert "1 product found" in by_name

    def test_nothing_found(self, client, jumper):
        response = client.get(SEARCH, {"q": "anorak"})

        assert response.status_code == 200
        assert "Nothing matches “anorak”" in response.content.decode()

    def test_empty_query_asks_for_one(self, client, jumper):
        html = client.get(SEARCH).content.decode()

        assert "Type a product name" in html
        assert "Merino Jumper" not in html

    def test_keeps_the_query_in_the_box_and_the_page_links(self, client, knitwear):
        for n in range(25):
            factories.VariantFactory(product__name=f"Wool thing {n}", product__category=knitwear)

        html = client.get(SEARCH, {"q": "wool"}).content.decode()

        assert 'value="wool"' in html
        assert "?q=wool&amp;page=2" in html

    def test_a_search_costs_the_same_for_30_or_90_matches(self, client, knitwear):
        url = SEARCH + "?q=wool&page=2"
        add_products(knitwear, 30, name="Wool thing")
        cache.clear()
        small = count_queries(client, url)
        add_products(knitwear, 60, name="Wool thing")
        cache.clear()

        assert count_queries(client, url) == small
        assert "Wool thing" in client.get(url).content.decode()

    def test_a_repeated_search_is_served_from_the_cache(self, client, knitwear):
        add_products(knitwear, 3, name="Wool thing")
        first = client.get(SEARCH, {"q": "wool"}).content.decode()

        with CaptureQueriesContext(connection) as queries:
            again = client.get(SEARCH, {"q": "wool"}).content.decode()

        def without_csrf(html: str) -> str:  # the language switcher's form has a fresh token
            return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

        assert without_csrf(again) == without_csrf(first)
        assert not [q for q in queries if "catalog_product" in q["sql"]]

    def test_a_new_product_is_found_at_once(self, client, knitwear):
        add_products(knitwear, 1, name="Wool thing")
        assert "1 product found" in client.get(SEARCH, {"q": "wool"}).content.decode()

        add_products(knitwear, 1, name="Wool scarf")

        html = client.get(SEARCH, {"q": "wool"}).content.decode()
        assert "2 products found" in html
        assert "Wool scarf" in html


class TestProductPage:
    def test_shows_description_variants_and_price(self, client, jumper):
        response = client.get(jumper.get_absolute_url())

        assert response.status_code == 200
        html = response.content.decode()
        assert "Fine-gauge merino, never itchy." in html
        assert 'name="sku" value="JMP-M"' in html
        assert 'name="sku" value="JMP-L"' in html
        assert "€84.00" in html
        assert 'action="/cart/add/"' in html
        assert "csrfmiddlewaretoken" in html

    def test_availability_sentences(self, client, jumper, warehouse, store, other_store):
        medium = jumper.variants.get(sku="JMP-M")
        receive(warehouse, medium, 4)
        receive(store, medium, 2)
        factories.LocationFactory(code="lille", name="Lille", click_and_collect=False)

        html = client.get(jumper.get_absolute_url()).content.decode()

        medium_block = html[html.index('data-availability="JMP-M"') :]
        medium_block = medium_block[: medium_block.index("</div>")]
        assert "4 left online" in medium_block
        assert "In stock at Store One — collect today" in medium_block
        assert "Out of stock at Store Two" in medium_block
        assert "Lille" not in html  # no click and collect there
        large_block = html[html.index('data-availability="JMP-L"') :]
        assert "Out of stock online" in large_block[: large_block.index("</div>")]

    def test_store_units_count_online_only_where_the_store_ships(
        self, client, jumper, warehouse, store
    ):
        medium = jumper.variants.get(sku="JMP-M")
        receive(warehouse, medium, 3)
        shipping_store = factories.LocationFactory(code="ship", name="Ship", ships_online=True)
        receive(shipping_store, medium, 1)
        receive(store, medium, 5)  # does not ship online

        html = client.get(jumper.get_absolute_url()).content.decode()

        assert "4 left online" in html

    def test_inactive_product_is_a_404(self, client, jumper):
        jumper.is_active = False
        jumper.save()

        assert client.get(jumper.get_absolute_url()).status_code == 404

    def test_records_a_product_view_for_a_known_customer(self, client, shopper, jumper):
        client.force_login(shopper)

        client.get(jumper.get_absolute_url())

        assert not CustomerEvent.objects.exists()  # buffered, not written by the page
        assert product_views_flush() == 1
        event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.PRODUCT_VIEWED)
        assert event.customer.user == shopper
        assert event.channel == "web"
        assert event.payload == {"product": "merino-jumper", "name": "Merino Jumper"}

    def test_an_anonymous_view_is_kept_against_the_visitor_cookie(self, client, jumper):
        response = client.get(jumper.get_absolute_url())

        visitor = response.cookies[VISITOR_COOKIE].value
        assert response.cookies[VISITOR_COOKIE]["httponly"]
        client.get(jumper.get_absolute_url())  # the same visitor: no new cookie
        assert product_views_flush() == 1  # the reload within minutes is the same view
        event = CustomerEvent.objects.get()
        assert (event.customer, event.visitor) == (None, visitor)

    def test_preselects_the_variant_asked_for(self, client, jumper):
        html = client.get(jumper.get_absolute_url(), {"sku": "JMP-L"}).content.decode()

        large = html[html.index('value="JMP-L"') :][:200]
        assert "checked" in large


class TestAddToCart:
    def test_adds_and_goes_to_the_cart(self, client, jumper):
        response = client.post(ADD, {"sku": "JMP-M", "quantity": "2"})

        assert response.status_code == 302
        assert response["Location"] == "/cart/"
        line = CartLine.objects.get()
        assert (line.variant.sku, line.quantity) == ("JMP-M", 2)
        assert line.cart.customer is None

    def test_adding_again_adds_to_the_line(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "2"})
        client.post(ADD, {"sku": "JMP-M", "quantity": "3"})

        assert CartLine.objects.get().quantity == 5

    def test_signed_in_shopper_adds_to_their_customer_cart(self, client, shopper, jumper):
        client.force_login(shopper)

        client.post(ADD, {"sku": "JMP-L", "quantity": "1"})

        assert CartLine.objects.get().cart.customer.user == shopper

    def test_unknown_sku_goes_back_with_a_message(self, client, jumper):
        response = client.post(
            ADD, {"sku": "NOPE", "quantity": "1", "next": jumper.get_absolute_url()}, follow=True
        )

        assert response.redirect_chain[-1][0] == jumper.get_absolute_url()
        assert "Unknown or inactive SKU: NOPE." in response.content.decode()
        assert not CartLine.objects.exists()

    @pytest.mark.parametrize("quantity", ["0", "abc", "51"])
    def test_bad_quantity_goes_back_with_a_message(self, client, jumper, quantity):
        response = client.post(
            ADD,
            {"sku": "JMP-M", "quantity": quantity, "next": jumper.get_absolute_url()},
            follow=True,
        )

        assert "Could not add to the cart" in response.content.decode()
        assert not CartLine.objects.exists()

    def test_next_must_be_on_this_site(self, client, jumper):
        response = client.post(
            ADD, {"sku": "NOPE", "quantity": "1", "next": "https://evil.example/"}
        )

        assert response["Location"] == "/"

    def test_get_is_not_allowed(self, client, jumper):
        assert client.get(ADD).status_code == 405

    def test_csrf_is_checked(self, jumper):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)

        assert strict.post(ADD, {"sku": "JMP-M", "quantity": "1"}).status_code == 403
        assert not CartLine.objects.exists()
