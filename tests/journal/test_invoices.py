"""Invoices as PDF: downloaded by the order's customer, parsed back, DUPLICATE after the first."""

import io

import pytest
from pypdf import PdfReader

from shop.journal.models import ReceiptPrint
from tests import factories
from tests.journal.support import stocked_variant
from tests.shop.order_support import collect_order


@pytest.fixture
def order(store):
    tee = stocked_variant(store, sku="TEE-M", price="19.90")
    book = stocked_variant(store, sku="BOOK-1", price="21.10", tax_class="reduced")
    order = collect_order(store, [(tee, 2), (book, 1)], email="ann@example.com", payment="card")
    user = factories.UserFactory(username="ann", email="ann@example.com")
    order.customer.user = user
    order.customer.save(update_fields=["user"])
    return order


def text_of(response) -> str:
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_customer_downloads_an_invoice_that_parses(client, order):
    client.force_login(order.customer.user)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert f"/orders/{order.number}/invoice.pdf" in page
    assert "VAT included" in page

    response = client.get(f"/orders/{order.number}/invoice.pdf")

    assert 'filename="invoice-W-000001.pdf"' in response["Content-Disposition"]
    text = text_of(response)
    assert "Invoice W-000001" in text
    assert "Omnistore SAS" in text
    assert "VAT no. FR32123456789" in text
    assert "SIRET 123 456 789 00012" in text
    assert order.number in text
    assert "60.90 EUR" in text
    for row in ("5.5 %", "20.00", "1.10", "21.10", "20 %", "33.17", "6.63", "39.80"):
        assert row in text
    assert "DUPLICATE" not in text

    again = text_of(client.get(f"/orders/{order.number}/invoice.pdf"))
    assert "DUPLICATE - copy 2" in again
    assert ReceiptPrint.objects.count() == 2


def test_another_shopper_gets_a_404(client, order):
    client.force_login(factories.UserFactory(username="bob"))
    assert client.get(f"/orders/{order.number}/invoice.pdf").status_code == 404


def test_anonymous_is_sent_to_log_in(client, order):
    response = client.get(f"/orders/{order.number}/invoice.pdf")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
