"""The reminder email, written by the file backend, and its link opened in a fresh browser:
the cart is back, with its first-order code."""

import email
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carts.models import Cart, CartLine
from carts.services import cart_for_customer, cart_line_add
from shop.marketing.models import CartReminder, ReminderProgram
from shop.marketing.reminders import cart_reminders_send
from tests import factories
from tests.browser import screenshot
from tests.channels_app.support import receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


def written_emails(folder: Path) -> list[email.message.Message]:
    messages = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


def test_the_emailed_link_restores_the_cart_in_a_fresh_browser(
    live_server, page, settings, tmp_path
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    settings.SITE_URL = live_server.url
    store = factories.LocationFactory(code="paris", name="Paris", click_and_collect=True)
    tee = factories.VariantFactory(sku="TEE-M", price=Decimal("20.00"), product__name="Crew Tee")
    receive(store, tee, 5)
    ann = factories.CustomerFactory(email="ann@example.com", marketing_consent=True)
    cart = cart_for_customer(customer=ann)
    cart_line_add(cart=cart, sku="TEE-M", quantity=2, channel="web")
    two_hours_ago = timezone.now() - timedelta(hours=2)
    ReminderProgram.objects.create(pk=1, switched_on_at=two_hours_ago - timedelta(days=1))
    CartLine.objects.filter(cart=cart).update(added_at=two_hours_ago)
    Cart.objects.filter(pk=cart.pk).update(updated_at=two_hours_ago)

    assert cart_reminders_send().sent == 1

    [message] = written_emails(tmp_path)
    assert message["To"] == "ann@example.com"
    body = message.get_payload(decode=True).decode()
    code = CartReminder.objects.get().promotion.code
    assert code in body
    link = next(word for word in body.split() if "/cart/restore/" in word)
    assert link.startswith(live_server.url)

    page.goto(link)  # a browser that never saw this shop: no session, no cookie

    expect(page.get_by_text("Welcome back")).to_be_visible()
    expect(page.get_by_role("link", name="Crew Tee").first).to_be_visible()
    expect(page.locator("main")).to_contain_text(code)
    expect(page.locator("main")).to_contain_text("4.00")  # 10% of 2 × 20.00, for Ann's email
    screenshot(page, "cart-restored-from-reminder")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))"
        ".violations.map(v => v.id)"
    )
    assert violations == []
    restored = Cart.objects.get(customer__isnull=True)
    assert [(line.variant.sku, line.quantity) for line in restored.lines.all()] == [("TEE-M", 2)]
    assert CartReminder.objects.get().clicked_at is not None
