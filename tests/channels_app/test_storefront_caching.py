"""What the shopper's pages cache is never shown after it changed: categories, prices, the cart
count, promotions. Each test fills the cache with a first page, changes the data, then looks."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carts import services as cart_services
from carts.models import Cart, Promotion
from carts.services import automatic_promotions_running, cart_line_add, cart_line_update
from shop.catalog.models import Category
from tests import factories

CART = "/cart/"
ADD = "/cart/add/"


@pytest.fixture
def knitwear(db):
    return factories.CategoryFactory(name="Knitwear", slug="knitwear")


@pytest.fixture
def jumper(knitwear):
    product = factories.ProductFactory(
        name="Merino Jumper", slug="merino-jumper", category=knitwear
    )
    factories.VariantFactory(product=product, sku="JMP-M", price=Decimal("79.00"))
    factories.VariantFactory(product=product, sku="JMP-L", price=Decimal("84.00"))
    return product


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


class TestCategories:
    def test_renamed_category_shows_on_the_next_page(self, client, jumper, knitwear):
        assert html(client, "/search/").count(">Knitwear<") == 2  # header and footer

        knitwear.name = "Knits"
        knitwear.save()

        search = html(client, "/search/")
        assert search.count(">Knits<") == 2
        assert ">Knitwear<" not in search
        assert "<h1>Knits</h1>" in html(client, "/c/knitwear/")

    def test_new_and_deleted_categories(self, client, jumper):
        html(client, "/")
        shoes = factories.CategoryFactory(name="Shoes", slug="shoes")

        assert html(client, "/").count('href="/c/shoes/"') >= 2

        shoes.delete()

        assert 'href="/c/shoes/"' not in html(client, "/")

    def test_current_category_is_marked_in_the_cached_header(self, client, jumper, knitwear):
        factories.CategoryFactory(name="Shoes", slug="shoes")

        on_shoes = html(client, "/c/shoes/")
        on_knitwear = html(client, "/c/knitwear/")

        assert 'href="/c/shoes/" aria-current="page"' in on_shoes
        assert 'href="/c/knitwear/" aria-current="page"' not in on_shoes
        assert 'href="/c/knitwear/" aria-current="page"' in on_knitwear

    def test_renamed_slug_is_a_404_at_the_old_address(self, client, jumper, knitwear):
        html(client, "/c/knitwear/")
        knitwear.slug = "knits"
        knitwear.save()

        assert client.get("/c/knitwear/").status_code == 404
        assert "Merino Jumper" in html(client, "/c/knits/")


class TestCategoryGrid:
    def test_a_cached_page_costs_only_the_session(self, client, jumper, knitwear):
        queries(client, "/c/knitwear/")

        assert queries(client, "/c/knitwear/") == 0  # no session cookie: nothing at all

    def test_changed_price_shows_in_the_grid(self, client, jumper):
        assert "from</span> €79.00" in html(client, "/c/knitwear/")

        variant = jumper.variants.get(sku="JMP-M")
        variant.price = Decimal("69.00")
        variant.save()

        assert "from</span> €69.00" in html(client, "/c/knitwear/")

    def test_inactive_product_leaves_the_grid_and_the_count(self, client, jumper, knitwear):
        other = factories.ProductFactory(name="Cable Knit", category=knitwear)
        factories.VariantFactory(product=other)
        assert "2 products<" in html(client, "/c/knitwear/")

        other.is_active = False
        other.save()

        page = html(client, "/c/knitwear/")
        assert "Cable Knit" not in page
        assert "1 product<" in page

    def test_new_product_shows_on_its_page(self, client, jumper, knitwear):
        for n in range(24):
            product = factories.ProductFactory(name=f"Knit {n:02d}", category=knitwear)
            factories.VariantFactory(product=product)
        html(client, "/c/knitwear/?page=2")

        late = factories.ProductFactory(name="Zz Last", category=knitwear)
        factories.VariantFactory(product=late)

        assert "Zz Last" in html(client, "/c/knitwear/?page=2")

    def test_variant_added_or_deactivated(self, client, jumper):
        assert "2 options" in html(client, "/c/knitwear/")

        factories.VariantFactory(product=jumper, sku="JMP-S", price=Decimal("59.00"))
        assert "3 options" in html(client, "/c/knitwear/")

        jumper.variants.filter(sku="JMP-S").get().delete()
        for variant in jumper.variants.all():
            variant.is_active = False
            variant.save()
        assert "Currently unavailable" in html(client, "/c/knitwear/")

    def test_pages_stay_apart(self, client, knitwear):
        for n in range(30):
            product = factories.ProductFactory(name=f"Knit {n:02d}", category=knitwear)
            factories.VariantFactory(product=product)

        first = html(client, "/c/knitwear/")
        second = html(client, "/c/knitwear/?page=2")
        last = html(client, "/c/knitwear/?page=99")  # the last page, as before

        assert "Knit 00" in first
        assert "Knit 29" not in first
        assert "Knit 29" in second
        assert "Knit 00" not in second
        assert "Knit 29" in last


class TestCartCount:
    def count_in(self, page: str) -> str:
        return page.split('class="cart-count"', 1)[1].split(">", 1)[1].split("<", 1)[0]

    def test_follows_adds_changes_and_removals(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "2"})
        assert self.count_in(html(client, "/")) == "2"

        client.post(ADD, {"sku": "JMP-L", "quantity": "3"})
        assert self.count_in(html(client, "/")) == "5"

        cart = Cart.objects.get()
        line = cart.lines.get(variant__sku="JMP-L")
        client.post(f"/cart/lines/{line.pk}/", {"quantity": "1"})
        assert self.count_in(html(client, "/")) == "3"

        client.post(f"/cart/lines/{line.pk}/remove/")
        assert self.count_in(html(client, "/")) == "2"

    def test_change_made_at_another_channel_shows(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "2"})
        assert self.count_in(html(client, "/")) == "2"
        cart = Cart.objects.get()

        cart_line_add(cart=cart, sku="JMP-L", quantity=4, channel="pos")
        assert self.count_in(html(client, "/")) == "6"

        cart_line_update(
            cart=cart, line_id=cart.lines.get(variant__sku="JMP-M").pk, quantity=1, channel="pos"
        )
        assert self.count_in(html(client, "/")) == "5"

    def test_cart_gone_counts_nothing(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "2"})
        assert self.count_in(html(client, "/")) == "2"

        Cart.objects.get().delete()

        assert self.count_in(html(client, "/")) == "0"

    def test_cached_count_costs_no_query_beyond_the_session(self, client, jumper, knitwear):
        client.post(ADD, {"sku": "JMP-M", "quantity": "2"})
        queries(client, "/c/knitwear/")

        assert queries(client, "/c/knitwear/") == 1  # the session


class TestPromotions:
    def test_new_automatic_promotion_applies_at_once(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "1"})
        assert "<dt>Total</dt><dd>€79.00</dd>" in html(client, CART)

        Promotion.objects.create(name="Winter", kind=Promotion.Kind.FIXED, value=Decimal("9"))

        page = html(client, CART)
        assert "Winter" in page
        assert "<dt>Total</dt><dd>€70.00</dd>" in page

    def test_promotion_switched_off_stops_at_once(self, client, jumper):
        winter = Promotion.objects.create(
            name="Winter", kind=Promotion.Kind.FIXED, value=Decimal("9")
        )
        client.post(ADD, {"sku": "JMP-M", "quantity": "1"})
        assert "<dt>Total</dt><dd>€70.00</dd>" in html(client, CART)

        winter.is_active = False
        winter.save()

        assert "<dt>Total</dt><dd>€79.00</dd>" in html(client, CART)

    def test_no_promotion_query_when_none_runs(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "1"})
        html(client, CART)

        with CaptureQueriesContext(connection) as captured:
            html(client, CART)
        # The cart's own codes are read; the promotions in force are not looked for.
        assert not [
            q
            for q in captured
            if "carts_promotion" in q["sql"] and "carts_cart_promotions" not in q["sql"]
        ]

    def test_a_no_is_kept_only_until_the_next_start(self, db):
        Promotion.objects.create(
            name="Soon",
            kind=Promotion.Kind.FIXED,
            value=Decimal("1"),
            starts_at=timezone.now() + timedelta(seconds=10),
        )
        with mock.patch.object(cart_services.cache, "set", wraps=cache.set) as cache_set:
            assert automatic_promotions_running() is False

        [(key, value, seconds)] = [c.args for c in cache_set.call_args_list]
        assert (key, value) == (cart_services.AUTOMATIC_RUNNING_KEY, False)
        assert 0 <= seconds <= 10

    def test_a_started_promotion_applies(self, db, jumper):
        soon = Promotion.objects.create(
            name="Soon",
            kind=Promotion.Kind.FIXED,
            value=Decimal("1"),
            starts_at=timezone.now() + timedelta(hours=1),
        )
        assert automatic_promotions_running() is False
        later = timezone.now() + timedelta(hours=2)
        cache.delete(cart_services.AUTOMATIC_RUNNING_KEY)  # what the hour's expiry does

        with mock.patch.object(cart_services.timezone, "now", return_value=later):
            assert automatic_promotions_running() is True
            assert [p.pk for p in cart_services.promotions_in_force()] == [soon.pk]


class TestQrCode:
    def test_drawn_once_per_code(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "1"})
        first = html(client, CART)

        with mock.patch("qrcode.make") as make:
            again = html(client, CART)
        make.assert_not_called()
        svg = first[first.index('<svg class="qr"') :].split("</svg>", 1)[0]
        assert svg in again

    def test_new_code_new_picture(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "1"})
        first = html(client, CART)
        cart = Cart.objects.get()
        Cart.objects.filter(pk=cart.pk).update(handoff_code="ZZZZZZ")

        second = html(client, CART)

        assert 'aria-label="QR code of your cart, code ZZZZZZ"' in second
        qr = first[first.index('<svg class="qr"') :].split("</svg>", 1)[0]
        assert qr.split(">", 1)[1] not in second  # another picture


class TestAddToCart:
    def test_returns_the_line_as_written(self, db, jumper):
        cart = cart_services.cart_anonymous_new()
        added = cart_line_add(cart=cart, sku="JMP-M", quantity=2, channel="web")
        again = cart_line_add(cart=cart, sku="JMP-M", quantity=3, channel="web")

        assert again.pk == added.pk
        assert again.quantity == 5
        again.refresh_from_db()
        assert again.quantity == 5
        assert again.variant.product.name == "Merino Jumper"

    def test_no_read_after_the_write(self, client, jumper):
        client.post(ADD, {"sku": "JMP-M", "quantity": "1"})

        with CaptureQueriesContext(connection) as captured:
            client.post(ADD, {"sku": "JMP-M", "quantity": "1"})
        sql = [q["sql"] for q in captured]
        last_write = max(i for i, s in enumerate(sql) if s.startswith("UPDATE"))
        assert not [s for s in sql[last_write + 1 :] if s.startswith("SELECT")]
        assert Cart.objects.get().lines.get().quantity == 2


def test_category_rows_are_not_read_for_a_cached_header(client, jumper):
    html(client, "/p/merino-jumper/")

    with CaptureQueriesContext(connection) as captured:
        html(client, "/p/merino-jumper/")
    table = Category._meta.db_table
    assert not [q for q in captured if f'FROM "{table}"' in q["sql"]]
