"""The demo shows a reminder with its first-order code, and suggestions on product pages."""

import pytest
from django.core import mail

from channels_app.management.commands.load_demo import load_demo
from shop.marketing.models import CartReminder, ProductSimilarity
from shop.marketing.recommendations import recommendations_build
from shop.marketing.reminders import cart_reminders_send

pytestmark = pytest.mark.django_db


def test_the_demo_shopper_gets_a_reminder_with_a_first_order_code(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        report = load_demo()
    assert report.created["abandoned cart"] == 1
    reminder = CartReminder.objects.get()
    assert reminder.email == "shopper@example.com"
    assert reminder.status == "sent"
    assert reminder.promotion.code in mail.outbox[-1].body
    assert ProductSimilarity.objects.exists()
    # Loading again changes nothing and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = load_demo()
        cart_reminders_send()
        recommendations_build()
    assert not any(again.created.values())
    assert CartReminder.objects.count() == 1
