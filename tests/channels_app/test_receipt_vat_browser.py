"""A till sale in Chromium: the receipt shows the seller's legal details, its number in the
store's sequence and the VAT breakdown; printed again, it says DUPLICATE."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shop.catalog.taxes import TaxClass
from shop.journal.models import JournalEntry, ReceiptPrint
from shop.payments.drawer import drawer_open
from tests import factories
from tests.browser import screenshot
from tests.channels_app.support import receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def shop_floor(live_server):
    store = factories.LocationFactory(code="lyon", name="Omnistore Lyon", click_and_collect=True)
    clerk = factories.clerk(store=store, username="clerk-lyon")
    tee = factories.VariantFactory(sku="TEE-M", barcode="4000000000017", price=Decimal("19.90"))
    book = factories.VariantFactory(
        sku="BOOK-1",
        barcode="4000000000024",
        price=Decimal("21.10"),
        product__name="Cookbook",
        product__tax_class=TaxClass.REDUCED,
    )
    receive(store, tee, 10)
    receive(store, book, 10)
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    return store


def scan(page, code: str) -> None:
    page.get_by_label("Scan or search").fill(code)
    page.get_by_label("Scan or search").press("Enter")


def test_a_receipt_with_its_vat_and_a_reprint_marked_duplicate(live_server, page, shop_floor):
    base = live_server.url
    page.goto(f"{base}/pos/")
    page.locator("input[name=login]").fill("clerk-lyon")
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/pos/")

    scan(page, "4000000000017")
    scan(page, "4000000000017")
    scan(page, "4000000000024")
    expect(page.locator("#sale-total")).to_have_text("€60.90")
    page.get_by_label("Cash tendered").fill("100")
    page.locator("[data-pay-button]").click()
    expect(page).to_have_url(re.compile(r"/pos/receipts/OS-[A-Z0-9]+/$"))

    receipt = page.locator(".receipt")
    expect(receipt.locator(".receipt-head")).to_contain_text("Omnistore SAS")
    expect(receipt.locator(".receipt-head")).to_contain_text("VAT no. FR32123456789")
    expect(receipt.locator(".receipt-meta")).to_contain_text("T-LYON-000001")
    vat = receipt.locator(".receipt-vat tbody tr")
    expect(vat).to_have_count(2)
    expect(vat.nth(0)).to_have_text(re.compile(r"5\.5 %\s*€20\.00\s*€1\.10\s*€21\.10"))
    expect(vat.nth(1)).to_have_text(re.compile(r"20 %\s*€33\.17\s*€6\.63\s*€39\.80"))
    expect(receipt.locator(".receipt-duplicate")).to_have_count(0)
    screenshot(page, "pos-receipt-vat")

    page.reload()
    expect(receipt.locator(".receipt-duplicate").first).to_have_text("DUPLICATE — copy 2")
    expect(receipt.locator(".receipt-meta")).to_contain_text("T-LYON-000001")
    screenshot(page, "pos-receipt-duplicate")

    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' '))"
    )
    assert violations == []

    entry = JournalEntry.objects.get()
    assert entry.number == "T-LYON-000001"
    assert list(ReceiptPrint.objects.order_by("copy").values_list("copy", flat=True)) == [1, 2]
