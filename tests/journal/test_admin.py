"""The journal in the admin: read only, the Z report of a closing, pages that cost the same
whatever the journal holds."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from shop.journal.closings import sales_periods_close
from shop.journal.models import Closing, JournalEntry
from tests.conftest import admin_client
from tests.journal.support import stocked_variant
from tests.shop.admin_support import queries
from tests.shop.order_support import till_sale

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def client(manager):
    return admin_client(manager)


def sell(store, clerk, n: int):
    tee = stocked_variant(store, sku=f"TEE-{JournalEntry.objects.count()}", price="19.90")
    for day in range(1, n + 1):
        with time_machine.travel(datetime(2026, 10, day, 12, tzinfo=PARIS), tick=False):
            till_sale(store, clerk, [(tee, 1)])
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=PARIS), tick=False):
        sales_periods_close()


def test_entries_and_closings_cannot_be_changed_or_deleted(client, store, clerk):
    sell(store, clerk, 1)
    entry = JournalEntry.objects.get()
    closing = Closing.objects.filter(period="day").get()
    for obj in (entry, closing):
        opts = obj._meta
        change = reverse(f"admin:journal_{opts.model_name}_change", args=[obj.pk])
        delete = reverse(f"admin:journal_{opts.model_name}_delete", args=[obj.pk])
        page = client.get(change)
        assert page.status_code == 200
        assert b'name="_save"' not in page.content
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.post(change, {}).status_code == 403
    assert JournalEntry.objects.count() == 1


def test_a_closing_shows_its_z_report(client, store, clerk):
    sell(store, clerk, 2)
    closing = Closing.objects.get(period="month")
    page = client.get(reverse("admin:journal_closing_change", args=[closing.pk])).content.decode()
    assert "Z report" in page
    assert "Omnistore SAS" in page
    assert "39.80" in page  # two sales of 19.90
    assert "<td>20 %</td><td>33.16</td><td>6.64</td><td>39.80</td>" in page
    assert "print-button.js" in page


def test_pages_cost_the_same_at_3_and_at_12_days(client, store, clerk):
    sell(store, clerk, 3)
    pages = [
        reverse("admin:journal_journalentry_changelist"),
        reverse("admin:journal_closing_changelist"),
        reverse("admin:journal_journalchain_changelist"),
        reverse("admin:journal_receiptprint_changelist"),
        reverse("admin:journal_closing_change", args=[Closing.objects.get(period="month").pk]),
    ]
    for url in pages:
        queries(client, url)
    at_3 = [queries(client, url) for url in pages]
    sell(store, clerk, 12)  # nine more days of October, each closed
    assert [queries(client, url) for url in pages] == at_3
