"""A withdrawal gives the delivery charge back: the return that brings back a delivery order's
last unit refunds it (or an earlier one, when the clerk asks), with its VAT at the rate it was
charged, in the return's tax lines and journal entry, once per order, also under concurrent
returns. The API and the till's return pages show it."""

import uuid
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from shop.catalog.taxes import TaxClass
from shop.journal.closings import closing_create
from shop.journal.models import JournalChain, JournalEntry
from shop.journal.verify import journal_verify
from shop.orders.models import Order, Return
from shop.orders.returns import ReturnRequest, return_create
from shop.orders.services import order_mark_shipped
from shop.payments.models import Payment
from shop.shipping.models import ShippingMethod, ShippingZone
from tests import factories
from tests.channels_app.support import page_text, receive
from tests.conftest import auth
from tests.journal.support import stocked_variant
from tests.shop.order_support import delivery_order, run_at_once, till_sale

D = Decimal


@pytest.fixture
def delivery(settings, db):
    settings.SHOP_COUNTRY = "FR"
    settings.PRICES_INCLUDE_TAX = True
    settings.SHIPPING_FREE_ABOVE = "1000.00"
    france = ShippingZone.objects.create(name="France", countries="FR")
    return ShippingMethod.objects.create(
        zone=france, code="fr-standard", name="Standard", price=D("6.00"), position=1
    )


@pytest.fixture
def mug(warehouse):
    return stocked_variant(warehouse, sku="MUG-1", price="10.00")


@pytest.fixture
def book(warehouse):
    return stocked_variant(warehouse, sku="BOOK-1", price="21.10", tax_class=TaxClass.REDUCED)


@pytest.fixture
def shipped(delivery, mug, book):
    """2 mugs and a book delivered for 6.00 (1.00 of VAT at 20 %), paid by card: 47.10."""
    order = delivery_order([(mug, 2), (book, 1)])
    order_mark_shipped(order=order)
    order.refresh_from_db()
    assert (order.total, order.shipping_price, order.shipping_tax) == (
        D("47.10"),
        D("6.00"),
        D("1.00"),
    )
    return order


def give_back(order, store, *lines, refund_shipping=False):
    return return_create(
        order=Order.objects.get(pk=order.pk),
        store=store,
        lines=[ReturnRequest(sku, quantity) for sku, quantity in lines],
        restock=True,
        channel="pos",
        refund_shipping=refund_shipping,
    )


def card_refunds(order) -> Decimal:
    return sum(
        (p.amount for p in Payment.objects.filter(order=order, refund_of__isnull=False)), D(0)
    )


class TestTheLastUnitBringsTheDeliveryBack:
    def test_a_partial_return_keeps_it_and_the_last_one_refunds_it_with_its_vat(
        self, store, shipped
    ):
        first = give_back(shipped, store, ("MUG-1", 1))
        assert (first.refund_amount, first.shipping_amount) == (D("10.00"), D("0.00"))
        assert "shipping" not in JournalEntry.objects.get(return_record=first).content

        last = give_back(shipped, store, ("MUG-1", 1), ("BOOK-1", 1))

        assert (last.refund_amount, last.shipping_amount, last.shipping_tax) == (
            D("37.10"),
            D("6.00"),
            D("1.00"),
        )
        assert last.shipping_tax_rate == D("20.00")
        entry = JournalEntry.objects.get(return_record=last)
        assert (entry.kind, entry.total) == ("return", D("-37.10"))
        assert entry.content["shipping"] == {"price": "-6.00", "tax_rate": "20.00", "tax": "-1.00"}
        rows = [
            {"rate": "5.50", "net": "-20.00", "tax": "-1.10", "gross": "-21.10"},
            {"rate": "20.00", "net": "-13.34", "tax": "-2.66", "gross": "-16.00"},
        ]
        assert entry.content["tax_lines"] == rows
        assert [t.gross for t in last.tax_lines] == [D("21.10"), D("16.00")]
        assert entry.content["tenders"] == [{"method": "card", "amount": "-37.10"}]
        assert card_refunds(shipped) == shipped.total  # everything paid, delivery included
        assert journal_verify().ok

    def test_the_days_closings_add_up_to_nothing_left(self, store, shipped):
        give_back(shipped, store, ("MUG-1", 2), ("BOOK-1", 1))
        today = timezone.localdate()
        totals = {
            chain.key: closing_create(chain=chain, kind="day", start=today, end=today).content[
                "totals"
            ]
            for chain in JournalChain.objects.order_by("key")
        }
        assert (totals["web"]["total"], totals["st1"]["total"]) == ("47.10", "-47.10")
        net = {}
        for chain_totals in totals.values():
            for row in chain_totals["tax_lines"]:
                net[row["rate"]] = net.get(row["rate"], D(0)) + D(row["tax"])
        assert net == {"5.50": D("0.00"), "20.00": D("0.00")}  # every cent of VAT given back
        assert totals["st1"]["tenders"] == [{"method": "card", "amount": "-47.10"}]

    def test_a_clerk_may_give_it_back_early_and_then_it_is_never_given_twice(self, store, shipped):
        early = give_back(shipped, store, ("BOOK-1", 1), refund_shipping=True)
        assert (early.refund_amount, early.shipping_amount) == (D("27.10"), D("6.00"))

        again = give_back(shipped, store, ("MUG-1", 1), refund_shipping=True)
        last = give_back(shipped, store, ("MUG-1", 1))

        assert (again.shipping_amount, last.shipping_amount) == (D("0.00"), D("0.00"))
        assert card_refunds(shipped) == shipped.total
        assert journal_verify().ok

    def test_orders_without_a_delivery_charge_refund_none(self, store, clerk, delivery, mug):
        receive(store, mug, 5)
        sale = till_sale(store, clerk, [(mug, 1)])
        record = give_back(sale, store, ("MUG-1", 1), refund_shipping=True)
        assert (record.refund_amount, record.shipping_amount) == (D("10.00"), D("0.00"))

    def test_a_delivery_refund_altered_in_sql_is_found(self, store, shipped):
        record = give_back(shipped, store, ("MUG-1", 2), ("BOOK-1", 1))
        with connection.cursor() as cursor:
            cursor.execute("UPDATE orders_return SET shipping_tax = 0 WHERE id = %s", [record.pk])
        broken = journal_verify().first_broken
        assert broken.entry.return_record == record
        assert "delivery" in broken.reason


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_returns_of_the_last_units_at_once_refund_the_delivery_once(warehouse, store):
    """Each brings back the last unit of its line: whichever commits second sees the order
    complete (the order's row orders them) and alone refunds the delivery."""
    for attempt in range(3):
        order = delivery_order_for_race(warehouse, attempt)
        results = run_at_once(
            [
                partial(give_back, order, store, (f"RACE-A{attempt}", 1)),
                partial(give_back, order, store, (f"RACE-B{attempt}", 1)),
            ]
        )
        assert [kind for kind, _ in results] == ["ok", "ok"], results
        records = Return.objects.filter(order=order)
        assert sorted(r.shipping_amount for r in records) == [D("0.00"), D("6.00")]
        assert card_refunds(order) == order.total
    assert journal_verify().ok


def delivery_order_for_race(warehouse, attempt: int) -> Order:
    if not ShippingMethod.objects.exists():
        france = ShippingZone.objects.create(name="France", countries="FR")
        ShippingMethod.objects.create(zone=france, code="fr", name="Standard", price=D("6.00"))
    first = stocked_variant(warehouse, sku=f"RACE-A{attempt}", price="10.00")
    second = stocked_variant(warehouse, sku=f"RACE-B{attempt}", price="12.00")
    order = delivery_order([(first, 1), (second, 1)])
    order_mark_shipped(order=order)
    order.refresh_from_db()
    assert order.shipping_price == D("6.00")
    return order


class TestApiAndTill:
    def test_the_api_tells_the_delivery_refunded(self, api, manager, store, shipped):
        auth(api, manager)

        def post(*lines, **extra):
            body = {
                "order": shipped.number,
                "store": store.code,
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
                "restock": True,
                **extra,
            }
            with TestCase.captureOnCommitCallbacks(execute=True):
                response = api.post("/api/returns/", body, format="json")
            assert response.status_code == 201, response.json()
            return response.json()

        partial = post(("MUG-1", 1))
        assert (partial["refund_amount"], partial["shipping_refunded"]) == ("10.00", "0.00")
        early = post(("MUG-1", 1), refund_shipping=True)
        assert (early["refund_amount"], early["shipping_refunded"]) == ("16.00", "6.00")
        last = post(("BOOK-1", 1))
        assert (last["refund_amount"], last["shipping_refunded"]) == ("21.10", "0.00")

    def test_the_till_offers_it_and_shows_it_refunded(self, client, store, shipped):
        client.force_login(factories.clerk(store=store))
        form = page_text(client.get(f"/pos/returns/{shipped.number}/"))
        assert "Delivery (€6.00, VAT included) is given back with the last item" in form
        book = shipped.lines.get(sku="BOOK-1")

        response = client.post(
            f"/pos/returns/{shipped.number}/",
            {
                "store": store.code,
                "idempotency_key": str(uuid.uuid4()),
                f"qty_{book.pk}": "1",
                "restock": "yes",
                "refund_method": "original",
                "refund_shipping": "on",
            },
        )

        record = Return.objects.get()
        assert response["Location"] == f"/pos/returns/done/{record.pk}/"
        assert (record.refund_amount, record.shipping_amount) == (D("27.10"), D("6.00"))
        assert "Delivery refunded · €6.00" in page_text(client.get(response["Location"]))
        assert "given back with the last item" not in page_text(
            client.get(f"/pos/returns/{shipped.number}/")
        )

    @pytest.mark.parametrize("lines", [1, 6])
    def test_the_return_form_reads_a_fixed_number_of_queries(
        self, lines, client, store, delivery, warehouse, django_assert_max_num_queries
    ):
        variants = [stocked_variant(warehouse, sku=f"ITEM-{n}", price="5.00") for n in range(lines)]
        order = delivery_order([(variant, 1) for variant in variants])
        order_mark_shipped(order=order)
        client.force_login(factories.clerk(store=store))
        with django_assert_max_num_queries(12):
            assert client.get(f"/pos/returns/{order.number}/").status_code == 200
