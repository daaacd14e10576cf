"""Invoices as PDF: downloaded by the order's customer, parsed back, DUPLICATE after the first."""

import io

import pytest
from django.core import mail
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


@pytest.mark.parametrize("attach", [True, False])
def test_the_confirmation_email_shows_vat_and_carries_the_invoice_on_request(
    settings, store, attach, django_capture_on_commit_callbacks
):
    settings.INVOICE_PDF_IN_EMAIL = attach
    tee = stocked_variant(store, sku="TEE-M", price="19.90")
    with django_capture_on_commit_callbacks(execute=True):
        collect_order(store, [(tee, 1)], email="kim@example.com", payment="card")
    [message] = mail.outbox
    assert "20 %: VAT €3.32 on net €16.58" in message.body
    if attach:
        [(name, content, mimetype)] = message.attachments
        assert (name, mimetype) == ("invoice-W-000001.pdf", "application/pdf")
        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert "Invoice W-000001" in text
    else:
        assert message.attachments == []
