"""Refunds outside a return: units of a placed order cancelled before hand-over (not found
anywhere) append one `refund` entry with their VAT at the line's rate and what each tender gave
back; a later void reverses only what is left; a refused refund retried appends nothing.
Closings still add up to their entries, and verification covers the new kind."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carts.checkout import CheckoutDetails, checkout_place
from channels_app.marketplace import MarketplaceLine, marketplace_order_place
from shop.catalog.taxes import TaxClass
from shop.channels import Channel
from shop.customers.services import customer_get_or_create
from shop.journal.archive import archive_build
from shop.journal.closings import closing_create
from shop.journal.models import WEB_CHAIN, JournalChain, JournalEntry
from shop.journal.offline_verify import verify as verify_archive
from shop.journal.verify import journal_verify
from shop.orders.models import Order
from shop.orders.not_found import order_line_not_found
from shop.orders.services import order_cancel, orders_expire_overdue
from shop.payments.models import Payment
from shop.payments.services import refund_retry
from shop.payments.stored_value import gift_card_by_code, gift_card_issue
from shop.payments.tenders import Tender
from tests.journal.support import stocked_variant
from tests.shop.order_support import ADDRESS, cart_with, collect_order

D = Decimal


@pytest.fixture
def shirt(store):
    # Exactly what the orders hold: a unit not found is found nowhere else.
    return stocked_variant(store, sku="SHIRT", price="15.00", units=2)


@pytest.fixture
def book(store):
    return stocked_variant(store, sku="BOOK-1", price="21.10", tax_class=TaxClass.REDUCED)


def web_entries() -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(chain__key=WEB_CHAIN).order_by("sequence"))


def not_found(order: Order, sku: str = "SHIRT"):
    return order_line_not_found(order=order, sku=sku, channel=Channel.POS)


def close_today() -> dict:
    today = timezone.localdate()
    chain = JournalChain.objects.get(key=WEB_CHAIN)
    return closing_create(chain=chain, kind="day", start=today, end=today).content["totals"]


def assert_closing_is_the_sum_of_entries(totals: dict) -> None:
    entries = web_entries()
    assert D(totals["total"]) == sum(e.total for e in entries)
    assert totals["count"] == len(entries)
    rates, tenders = {}, {}
    for entry in entries:
        for row in entry.content["tax_lines"]:
            rates[row["rate"]] = rates.get(row["rate"], D(0)) + D(row["gross"])
        for row in entry.content["tenders"]:
            tenders[row["method"]] = tenders.get(row["method"], D(0)) + D(row["amount"])
    assert {r["rate"]: D(r["gross"]) for r in totals["tax_lines"]} == rates
    assert {t["method"]: D(t["amount"]) for t in totals["tenders"]} == tenders
    assert sum(rates.values()) == D(totals["total"])  # VAT breakdown adds up to the total


class TestLineCancelled:
    def test_one_refund_entry_with_the_vat_of_the_line_and_the_card_refund(
        self, store, shirt, book
    ):
        order = collect_order(store, [(shirt, 2), (book, 1)], payment="card")

        outcome = not_found(order)

        assert (outcome.kind, outcome.refund) == ("line_cancelled", D("30.00"))
        sale, refund = web_entries()
        assert (refund.kind, refund.number, refund.total, refund.order) == (
            "refund",
            "W-000002",
            D("-30.00"),
            order,
        )
        assert refund.previous_hash == sale.hash
        content = refund.content
        assert content["reason"] == "line_cancelled"
        assert content["lines"] == [
            {"sku": "SHIRT", "quantity": 2, "total": "-30.00", "tax_rate": "20.00", "tax": "-5.00"}
        ]
        assert content["tax_lines"] == [
            {"rate": "20.00", "net": "-25.00", "tax": "-5.00", "gross": "-30.00"}
        ]
        assert content["tenders"] == [{"method": "card", "amount": "-30.00"}]
        [pending] = Payment.objects.filter(order=order, refund_of__isnull=False)
        assert (pending.amount, pending.status) == (D("30.00"), "pending")
        assert journal_verify().ok

    def test_a_payment_due_at_pickup_is_lowered_and_journaled_as_such(self, store, shirt, book):
        order = collect_order(store, [(shirt, 2), (book, 1)])

        not_found(order)

        refund = web_entries()[-1]
        assert refund.content["tenders"] == [{"method": "pay_at_pickup", "amount": "-30.00"}]
        due = Payment.objects.get(order=order, method="pay_at_pickup")
        assert due.amount == D("21.10")

    def test_gift_cards_get_back_what_the_due_payment_does_not_cover(self, store, shirt, book):
        code = gift_card_issue(amount=D("45.00"), channel=Channel.API).code
        customer = customer_get_or_create(email="ann@example.com")
        order = checkout_place(
            cart=cart_with([(shirt, 2), (book, 1)], customer=customer),
            details=CheckoutDetails(
                email="ann@example.com",
                fulfilment=Order.Fulfilment.COLLECT,
                store=store,
                payment_method="pay_at_pickup",
                tenders=(
                    Tender("gift_card", amount=D("45.00"), code=code),
                    Tender("pay_at_pickup"),
                ),
            ),
            customer=customer,
        )

        not_found(order)

        assert web_entries()[-1].content["tenders"] == [
            {"method": "pay_at_pickup", "amount": "-6.10"},
            {"method": "gift_card", "amount": "-23.90"},
        ]
        assert gift_card_by_code(code).balance == D("23.90")
        assert Payment.objects.get(order=order, method="pay_at_pickup").amount == D("0.00")

    def test_a_marketplace_card_is_reversed_and_left_to_the_marketplace(self, warehouse):
        stocked_variant(warehouse, sku="SHIRT", price="15.00", units=2)
        stocked_variant(warehouse, sku="BOOK-1", price="21.10", tax_class=TaxClass.REDUCED)
        order, _ = marketplace_order_place(
            marketplace="amazon",
            external_id="A-1",
            email="ann@example.com",
            lines=[
                MarketplaceLine("SHIRT", 2, D("15.00")),
                MarketplaceLine("BOOK-1", 1, D("21.10")),
            ],
            shipping_address=ADDRESS,
        )

        not_found(order)

        refund = web_entries()[-1]
        assert (refund.kind, refund.total, refund.content["channel"]) == (
            "refund",
            D("-30.00"),
            "pos",
        )
        assert refund.content["tenders"] == [
            {"method": "card", "amount": "-30.00", "elsewhere": True}
        ]
        assert not Payment.objects.filter(order=order, refund_of__isnull=False).exists()
        assert journal_verify().ok

    def test_the_void_after_it_reverses_only_what_is_left_and_the_day_adds_up(
        self, store, shirt, book
    ):
        order = collect_order(store, [(shirt, 2), (book, 1)], payment="card")
        not_found(order)

        order_cancel(order=order, channel=Channel.BACKOFFICE)

        sale, refund, void = web_entries()
        assert (void.kind, void.total) == ("void", D("-21.10"))
        assert void.content["after"] == [refund.number]
        assert void.content["tax_lines"] == [
            {"rate": "5.50", "net": "-20.00", "tax": "-1.10", "gross": "-21.10"},
            {"rate": "20.00", "net": "0.00", "tax": "0.00", "gross": "0.00"},
        ]
        assert void.content["tenders"] == [{"method": "card", "amount": "-21.10"}]
        refunds = Payment.objects.filter(order=order, refund_of__isnull=False)
        assert sum(r.amount for r in refunds) == sale.total  # the card got all of it back once
        totals = close_today()
        assert totals["total"] == "0.00"
        assert totals["by_kind"] == {"refund": "-30.00", "sale": "51.10", "void": "-21.10"}
        assert totals["tenders"] == [{"method": "card", "amount": "0.00"}]
        assert_closing_is_the_sum_of_entries(totals)
        assert journal_verify().ok

    def test_an_order_expiring_after_it_voids_what_is_still_due(self, store, shirt, book):
        order = collect_order(store, [(shirt, 2), (book, 1)])
        not_found(order)
        Order.objects.filter(pk=order.pk).update(
            pickup_deadline=timezone.now() - timedelta(minutes=1)
        )

        assert orders_expire_overdue() == 1

        void = web_entries()[-1]
        assert (void.kind, void.total, void.content["channel"]) == ("void", D("-21.10"), "system")
        assert void.content["tenders"] == [{"method": "pay_at_pickup", "amount": "-21.10"}]
        assert_closing_is_the_sum_of_entries(close_today())

    def test_closings_and_the_archive_carry_the_refund(
        self, store, shirt, book, settings, tmp_path
    ):
        settings.SALES_JOURNAL_SIGNING_KEY = "archive-key"
        collect_order(store, [(book, 1)])
        order = collect_order(store, [(shirt, 2), (book, 2)], payment="card")
        not_found(order)

        totals = close_today()

        assert totals["by_kind"]["refund"] == "-30.00"
        assert_closing_is_the_sum_of_entries(totals)
        archive = archive_build(month=timezone.localdate())
        path = tmp_path / "journal.zip"
        path.write_bytes(archive)
        assert verify_archive(str(path), "archive-key") == []
        assert journal_verify().ok

    def test_an_order_never_journaled_gets_no_entry(self, store, shirt, book):
        order = collect_order(store, [(shirt, 2), (book, 1)], payment="card")
        with connection.cursor() as cursor:  # as if placed before the journal existed
            cursor.execute("DELETE FROM journal_journalentry")
        not_found(order)
        assert not JournalEntry.objects.exists()


class TestTamper:
    @pytest.fixture
    def refunded(self, store, shirt, book):
        order = collect_order(store, [(shirt, 2), (book, 1)], payment="card")
        not_found(order)
        return order

    def test_an_altered_refund_entry_is_found(self, refunded):
        entry = JournalEntry.objects.get(kind="refund")
        content = {**entry.content, "tenders": [{"method": "card", "amount": "-3.00"}]}
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE journal_journalentry SET content = %s WHERE id = %s",
                [json.dumps(content), entry.pk],
            )
        broken = journal_verify().first_broken
        assert (broken.entry, "hash" in broken.reason) == (entry, True)

    def test_a_cancellation_undone_in_sql_is_found(self, refunded):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE orders_orderline SET cancelled_quantity = 0 WHERE order_id = %s",
                [refunded.pk],
            )
        broken = journal_verify().first_broken
        assert broken.entry.kind == "refund"
        assert "cancelled SHIRT" in broken.reason


def test_a_refused_refund_retried_appends_nothing(store, shirt, book):
    """The cancellation's entry named the card refund once; the gateway refusing it and a
    manager asking again is the delivery of that same refund, not more money back."""
    order = collect_order(store, [(shirt, 2), (book, 1)], payment="card")
    not_found(order)
    refund = Payment.objects.get(order=order, refund_of__isnull=False)
    Payment.objects.filter(pk=refund.pk).update(status=Payment.Status.REFUND_FAILED)
    refund.refresh_from_db()

    again = refund_retry(refund=refund)

    assert (again.amount, again.status) == (D("30.00"), "pending")
    assert [e.kind for e in web_entries()] == ["sale", "refund"]
    totals = close_today()
    assert totals["tenders"] == [{"method": "card", "amount": "21.10"}]


def test_a_pick_failure_locks_the_journal_chain_before_any_stock_row(store, shirt, book):
    """The lock order of a sale (chain, then stock rows): a not-found that ends in a refund
    or a void appends to the chain after it touched stock, so it takes the chain first."""
    order = collect_order(store, [(shirt, 2), (book, 1)], payment="card")
    with CaptureQueriesContext(connection) as queries:
        not_found(order)
    statements = [q["sql"] for q in queries.captured_queries]
    chain = next(i for i, sql in enumerate(statements) if 'UPDATE "journal_journalchain"' in sql)
    stock = next(i for i, sql in enumerate(statements) if '"inventory_stock"' in sql)
    assert chain < stock
