"""VAT on delivery: taxed at the shop country's standard rate, stored on the order, in its
breakdown (API, receipt, invoice) and in the sales journal, whose verification sees it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from shop.journal.closings import closing_create
from shop.journal.models import WEB_CHAIN, Closing, JournalChain, JournalEntry
from shop.journal.verify import journal_verify
from shop.orders.models import Order
from tests import factories
from tests.carts.support import add_line, checkout, delivery_body
from tests.channels_app.support import receive
from tests.journal.test_invoices import text_of
from tests.shipping.support import shipping_setup

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def methods(settings):
    settings.SHIPPING_FREE_ABOVE = "60.00"
    settings.SHOP_COUNTRY = "FR"
    settings.PRICES_INCLUDE_TAX = True
    return shipping_setup()


@pytest.fixture
def book(warehouse):
    """A reduced-rate product: its delivery is still taxed at the standard rate."""
    variant = factories.VariantFactory(
        sku="BOOK-1", price=Decimal("21.10"), weight_grams=400, product__tax_class="reduced"
    )
    receive(warehouse, variant, 10)
    return variant


def _place(client, method: str = "fr-express") -> tuple[dict, Order]:
    add_line(client, "BOOK-1", 1)
    response = checkout(client, {**delivery_body(), "shipping_method": method})
    assert response.status_code == 201, response.json()
    body = response.json()
    return body, Order.objects.get(number=body["number"])


def test_the_order_stores_the_delivery_vat_and_its_breakdown_adds_up(client, methods, book):
    body, order = _place(client)

    assert (order.shipping_price, order.shipping_tax_rate, order.shipping_tax) == (
        Decimal("12.00"),
        Decimal("20.00"),
        Decimal("2.00"),
    )
    assert body["tax_lines"] == [
        {"rate": "5.50", "net": "20.00", "tax": "1.10", "gross": "21.10"},
        {"rate": "20.00", "net": "10.00", "tax": "2.00", "gross": "12.00"},
    ]
    assert sum(Decimal(t["gross"]) for t in body["tax_lines"]) == Decimal(body["total"])
    assert sum((t.gross for t in order.tax_lines), Decimal(0)) == order.total


def test_free_delivery_adds_no_vat_row(client, methods, book):
    add_line(client, "BOOK-1", 3)  # 63.30 of goods: above the free threshold
    body = checkout(client, {**delivery_body(), "shipping_method": "fr-standard"}).json()
    assert body["shipping_price"] == "0.00"
    assert [t["rate"] for t in body["tax_lines"]] == ["5.50"]
    assert Order.objects.get(number=body["number"]).shipping_tax == Decimal("0.00")


def test_the_journal_entry_carries_the_delivery_and_verifies(client, methods, book):
    _, order = _place(client)
    entry = JournalEntry.objects.get(order=order, kind=JournalEntry.Kind.SALE)

    assert entry.content["shipping"] == {
        "method": "Express",
        "price": "12.00",
        "tax_rate": "20.00",
        "tax": "2.00",
    }
    assert {"rate": "20.00", "net": "10.00", "tax": "2.00", "gross": "12.00"} in entry.content[
        "tax_lines"
    ]
    assert journal_verify().ok


def test_delivery_vat_altered_in_sql_is_found(client, methods, book):
    _, order = _place(client)
    entry = JournalEntry.objects.get(order=order, kind=JournalEntry.Kind.SALE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orders_order SET shipping_tax = 1.00 WHERE id = %s", [order.pk])

    result = journal_verify()

    assert not result.ok
    assert result.first_broken.entry.pk == entry.pk
    assert "delivery" in result.first_broken.reason


def test_the_invoice_shows_the_delivery_and_its_vat(client, methods, book):
    user = factories.UserFactory(username="ann", email="ann@example.com")
    client.force_login(user)
    _, order = _place(client)

    text = text_of(client.get(f"/orders/{order.number}/invoice.pdf"))

    assert "Delivery: Express" in text
    assert "33.10 EUR" in text
    for row in ("5.5 %", "20.00", "1.10", "21.10", "20 %", "10.00", "2.00", "12.00"):
        assert row in text


def test_the_receipt_shows_the_delivery_and_its_vat(client, methods, book, manager, store):
    _, order = _place(client)
    # As if a clerk had placed it for the customer (the endless aisle): they print it.
    Order.objects.filter(pk=order.pk).update(staff_user=manager)
    client.force_login(factories.with_totp(manager))
    client.post("/pos/store/", {"store": store.code, "next": "/pos/"})

    response = client.get(f"/pos/receipts/{order.number}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Delivery (20 %)" in page
    assert page.count("<td>20 %</td>") == 1  # the delivery's row of the VAT breakdown


def test_prices_without_vat_add_it_to_the_delivery_too(client, methods, book, settings):
    settings.PRICES_INCLUDE_TAX = False
    body, order = _place(client)

    # The book: 21.10 net + 1.16; delivery: 12.00 net + 2.40, stored as paid (14.40).
    assert (order.shipping_price, order.shipping_tax) == (Decimal("14.40"), Decimal("2.40"))
    assert body["tax_lines"] == [
        {"rate": "5.50", "net": "21.10", "tax": "1.16", "gross": "22.26"},
        {"rate": "20.00", "net": "12.00", "tax": "2.40", "gross": "14.40"},
    ]
    assert body["total"] == "36.66"
    assert journal_verify().ok


def test_the_days_closing_counts_the_delivery_vat(client, methods, book):
    _place(client)
    day = timezone.localdate()

    closing = closing_create(
        chain=JournalChain.objects.get(key=WEB_CHAIN), kind=Closing.Period.DAY, start=day, end=day
    )

    assert closing.content["totals"]["tax_lines"] == [
        {"rate": "5.50", "net": "20.00", "tax": "1.10", "gross": "21.10"},
        {"rate": "20.00", "net": "10.00", "tax": "2.00", "gross": "12.00"},
    ]
    assert closing.content["totals"]["total"] == "33.10"
