"""The sales journal: one chained entry per sale, return and void of every channel, numbered
without gaps per store and for the web, never changed, and verified against the sales."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from inventory.errors import InsufficientStock
from shop.catalog.taxes import TaxClass
from shop.journal import triggers
from shop.journal.closings import closing_create
from shop.journal.hashing import chain_hash
from shop.journal.models import AppendOnly, Closing, JournalChain, JournalEntry
from shop.orders.services import order_cancel
from tests.channels_app.support import open_till
from tests.journal.support import give_back, stocked_variant
from tests.shop.order_support import collect_order, till_sale

D = Decimal
VERIFY = "/api/sales-journal/verify/"


@pytest.fixture
def tee(store):
    return stocked_variant(store, sku="TEE-M", price="19.90")


@pytest.fixture
def book(store):
    return stocked_variant(store, sku="BOOK-1", price="21.10", tax_class=TaxClass.REDUCED)


def entries(chain_key: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(chain__key=chain_key).order_by("sequence"))


class TestEntries:
    def test_a_till_sale_is_one_chained_entry_of_its_store(self, store, clerk, tee, book):
        first = till_sale(store, clerk, [(tee, 2), (book, 1)])
        second = till_sale(store, clerk, [(tee, 1)])

        one, two = entries("st1")
        assert (one.number, one.kind, one.order, one.total) == (
            "T-ST1-000001",
            "sale",
            first,
            D("60.90"),
        )
        assert two.number == "T-ST1-000002"
        assert two.order == second
        content = one.content
        assert content["clerk"] == clerk.username
        assert content["store"] == "st1"
        assert content["tax_lines"] == [
            {"rate": "5.50", "net": "20.00", "tax": "1.10", "gross": "21.10"},
            {"rate": "20.00", "net": "33.17", "tax": "6.63", "gross": "39.80"},
        ]
        assert content["tenders"] == [{"method": "card", "amount": "60.90"}]
        assert [(line["sku"], line["quantity"]) for line in content["lines"]] == [
            ("TEE-M", 2),
            ("BOOK-1", 1),
        ]
        assert one.previous_hash == ""
        assert one.hash == chain_hash("", content)
        assert two.previous_hash == one.hash
        assert JournalChain.objects.get(key="st1").last_sequence == 2

    def test_web_orders_have_one_chain_of_their_own(self, store, clerk, tee):
        till_sale(store, clerk, [(tee, 1)])
        web = collect_order(store, [(tee, 1)])
        [entry] = entries("web")
        assert (entry.number, entry.order, entry.store) == ("W-000001", web, None)
        assert entry.content["channel"] == "web"
        assert entry.content["tenders"] == [{"method": "pay_at_pickup", "amount": "19.90"}]

    def test_a_return_reverses_amounts_and_vat_at_the_rate_of_the_sale(
        self, settings, store, clerk, tee, book
    ):
        open_till(store)
        sale = till_sale(store, clerk, [(tee, 2), (book, 1)], method="cash", tendered="100.00")
        settings.VAT_RATES = {"FR": {**settings.VAT_RATES["FR"], "reduced": "7"}}
        give_back(sale, store, "BOOK-1", 1, user=clerk)
        entry = entries("st1")[-1]
        assert (entry.number, entry.kind, entry.total) == ("T-ST1-000002", "return", D("-21.10"))
        assert entry.content["tax_lines"] == [
            {"rate": "5.50", "net": "-20.00", "tax": "-1.10", "gross": "-21.10"}
        ]
        assert entry.content["tenders"] == [{"method": "cash", "amount": "-21.10"}]

    def test_a_cancelled_order_is_voided(self, store, tee):
        order = collect_order(store, [(tee, 2)])
        order_cancel(order=order, channel="backoffice")
        sale, void = entries("web")
        assert (void.kind, void.total, void.content["voids"]) == ("void", D("-39.80"), sale.number)
        assert void.content["tax_lines"] == [
            {"rate": "20.00", "net": "-33.17", "tax": "-6.63", "gross": "-39.80"}
        ]

    def test_a_sale_that_fails_leaves_no_number_behind(self, store, clerk, tee):
        scarce = stocked_variant(store, sku="LAST-1", units=1)
        with pytest.raises(InsufficientStock):
            till_sale(store, clerk, [(tee, 1), (scarce, 2)])
        till_sale(store, clerk, [(tee, 1)])
        assert [e.number for e in entries("st1")] == ["T-ST1-000001"]


class TestAppendOnly:
    def test_the_model_refuses_changes(self, store, clerk, tee):
        till_sale(store, clerk, [(tee, 1)])
        entry = JournalEntry.objects.get()
        entry.total = D("0.00")
        with pytest.raises(AppendOnly):
            entry.save()
        with pytest.raises(AppendOnly):
            entry.delete()
        with pytest.raises(AppendOnly):
            JournalEntry.objects.update(total=0)
        with pytest.raises(AppendOnly):
            JournalEntry.objects.all().delete()

    @pytest.mark.postgres
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE journal_journalentry SET total = 0",
            "DELETE FROM journal_journalentry",
            "UPDATE journal_closing SET hash = 'x'",
            "DELETE FROM journal_closing",
        ],
    )
    def test_the_database_refuses_update_and_delete(self, store, clerk, tee, statement):
        triggers.install(connection)  # what migration journal 0002 does (tests skip migrations)
        till_sale(store, clerk, [(tee, 1)])
        today = timezone.localdate()
        closing_create(
            chain=JournalChain.objects.get(key="st1"), kind="day", start=today, end=today
        )
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
        assert JournalEntry.objects.filter(total=D("19.90")).count() == 1
        assert Closing.objects.count() == 1
