"""The till: product pictures on search results and sale lines (one query for all of them),
and the attached customer's store credit paying part or all of a sale."""

from decimal import Decimal

import pytest

from shop.orders.models import Order
from shop.payments.stored_value import (
    store_credit_account,
    store_credit_balance,
    stored_value_credit,
)
from tests import factories
from tests.catalog_support import add_picture
from tests.channels_app.support import clerk_at_open_till, page_text, receive, till_pay

TILL = "/pos/"
SCAN = "/pos/sale/scan/"
ATTACH = "/pos/sale/customer/"


@pytest.fixture
def till(client, clerk, store):
    return clerk_at_open_till(client, clerk, store)


@pytest.fixture
def bag(store):
    variant = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"))
    receive(store, variant, 5)
    return variant


@pytest.fixture
def ann(db):
    customer = factories.CustomerFactory(email="ann@example.com", name="Ann")
    stored_value_credit(
        account=store_credit_account(customer=customer), amount=Decimal("10.00"), channel="pos"
    )
    return customer


def attach(till, store, customer):
    response = till.post(ATTACH, {"store": store.code, "customer": customer.pk})
    assert response.status_code == 302


class TestStoreCreditAtTheTill:
    def test_the_till_offers_the_customers_credit(self, till, store, bag, ann):
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})
        assert "Use store credit" not in page_text(till.get(TILL))

        attach(till, store, ann)
        page = page_text(till.get(TILL))

        assert 'name="use_store_credit"' in page
        assert "€10.00" in page

    def test_credit_and_card(self, till, store, bag, ann):
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})
        attach(till, store, ann)

        response = till_pay(
            till, store, method="card", terminal_reference="T-9", use_store_credit="on"
        )

        assert response.status_code == 302
        paid = sorted(Order.objects.get().payments.values_list("method", "amount"))
        assert paid == [("card", Decimal("20.00")), ("store_credit", Decimal("10.00"))]
        assert store_credit_balance(customer=ann) == Decimal("0.00")

    def test_credit_and_cash_shows_the_change_on_what_is_left(self, till, store, bag, ann):
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})
        attach(till, store, ann)

        review = till_pay(till, store, method="cash", tendered="50.00", use_store_credit="on")

        assert review.context["review"]["total"] == Decimal("20.00")
        assert review.context["review"]["change"] == Decimal("30.00")
        assert 'name="use_store_credit" value="on"' in review.content.decode()
        done = till_pay(
            till, store, method="cash", tendered="50.00", confirmed="on", use_store_credit="on"
        )
        assert done.status_code == 302
        paid = Order.objects.get().payments.order_by("id")
        assert list(paid.values_list("method", "amount", "change_due")) == [
            ("store_credit", Decimal("10.00"), None),
            ("cash", Decimal("20.00"), Decimal("30.00")),
        ]

    def test_credit_covering_the_sale_takes_no_cash(self, till, store, bag, ann):
        stored_value_credit(
            account=store_credit_account(customer=ann), amount=Decimal("40.00"), channel="pos"
        )
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})
        attach(till, store, ann)

        response = till_pay(till, store, method="cash", use_store_credit="on")

        assert response.status_code == 302
        paid = list(Order.objects.get().payments.values_list("method", "amount"))
        assert paid == [("store_credit", Decimal("30.00"))]
        assert store_credit_balance(customer=ann) == Decimal("20.00")

    def test_unticked_credit_is_not_spent(self, till, store, bag, ann):
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})
        attach(till, store, ann)

        till_pay(till, store, method="card", terminal_reference="T-9")

        assert store_credit_balance(customer=ann) == Decimal("10.00")


class TestPicturesAtTheTill:
    def test_search_results_and_sale_lines_show_the_first_picture(self, till, store, bag):
        first = add_picture(bag.product, alt="front")
        add_picture(bag.product, alt="back")
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})

        page = till.get(TILL, {"q": bag.product.name}).content.decode()

        thumb = first.thumbnail.url
        assert page.count(f'src="{thumb}"') == 2  # the result and the sale line

    @pytest.mark.parametrize("size", [2, 6])
    def test_the_pictures_cost_one_query_whatever_the_lines(
        self, till, store, size, django_assert_max_num_queries
    ):
        for index in range(size):
            variant = factories.VariantFactory(
                sku=f"MUG-{index}", price=Decimal("5.00"), product__name=f"Mug {index}"
            )
            receive(store, variant, 3)
            add_picture(variant.product)
            till.post(SCAN, {"store": store.code, "code": variant.sku})
        till.get(TILL, {"q": "Mug"})  # warm the session and caches

        with django_assert_max_num_queries(32) as queries:
            page = till.get(TILL, {"q": "Mug"}).content.decode()

        assert page.count('class="pos-thumb"') == 2 * size
        image_queries = [q for q in queries.captured_queries if "catalog_productimage" in q["sql"]]
        assert len(image_queries) <= 2  # the search's prefetch and the one lookup

    def test_the_endless_aisle_shows_the_pictures(self, till, store, bag):
        picture = add_picture(bag.product)
        plain = factories.VariantFactory(sku="PEN-1", price=Decimal("2.00"))
        receive(store, plain, 1)
        for sku in ("BAG-30", "PEN-1"):
            till.post(SCAN, {"store": store.code, "code": sku})

        page = till.get("/pos/endless-aisle/", {"sku": "BAG-30"}).content.decode()

        assert page.count('class="pos-thumb"') == 1
        assert f'src="{picture.thumbnail.url}"' in page


class TestStoreCreditLeavingARest:
    def test_the_card_needs_its_reference(self, till, store, bag, ann):
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})
        attach(till, store, ann)

        response = till_pay(till, store, method="card", use_store_credit="on")

        assert response.status_code == 400
        assert "Enter the card terminal's reference" in page_text(response)
        assert not Order.objects.exists()
        assert store_credit_balance(customer=ann) == Decimal("10.00")

    def test_cash_needs_what_was_handed_over(self, till, store, bag, ann):
        till.post(SCAN, {"store": store.code, "code": "BAG-30"})
        attach(till, store, ann)

        response = till_pay(till, store, method="cash", use_store_credit="on")

        assert response.status_code == 200
        assert "Enter the cash tendered for the 20.00 left to pay." in page_text(response)
        assert store_credit_balance(customer=ann) == Decimal("10.00")
