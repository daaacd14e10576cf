"""Managers issue gift cards and correct balances in the back office."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.payments.models import StoredValueAccount
from shop.payments.stored_value import gift_card_by_code, gift_card_issue
from tests import factories
from tests.conftest import admin_client
from tests.shop.admin_support import queries

pytestmark = pytest.mark.django_db
ISSUE = "/admin/payments/storedvalueaccount/issue/"
LIST = "/admin/payments/storedvalueaccount/"
ENTRIES = "/admin/payments/storedvalueentry/"


@pytest.fixture
def client(manager):
    return admin_client(manager)


def test_a_manager_issues_a_card_and_sees_its_code_once(client):
    assert client.get(LIST).content.decode().count(ISSUE) == 1

    response = client.post(ISSUE, {"amount": "40.00", "email": "bob@example.com"})

    assert response.status_code == 200
    [code] = re.findall(r"data-gift-card-code>([A-Z0-9-]+)<", response.content.decode())
    account = gift_card_by_code(code)
    assert (account.balance, account.email) == (Decimal("40.00"), "bob@example.com")
    assert account.customer.email == "bob@example.com"
    assert (
        code
        not in client.get(
            reverse("admin:payments_storedvalueaccount_change", args=[account.pk])
        ).content.decode()
    )


def test_bad_amounts_issue_nothing(client):
    response = client.post(ISSUE, {"amount": "0"})

    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert not StoredValueAccount.objects.exists()


def test_a_clerk_cannot_issue(store):
    clerk = factories.clerk(store=store)
    clerk.is_staff = True
    clerk.save()

    response = admin_client(clerk).post(ISSUE, {"amount": "40.00"})

    assert response.status_code in (302, 403)
    assert not StoredValueAccount.objects.exists()


def test_adjust_with_a_reason(client):
    account = gift_card_issue(amount=Decimal("10.00"), channel="api").account
    url = reverse("admin:payments_storedvalueaccount_adjust", args=[account.pk])

    refused = client.post(url, {"amount": "-11.00", "note": "counted"})
    done = client.post(url, {"amount": "-4.00", "note": "damaged"})

    assert refused.context["form"].errors["amount"]
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.balance == Decimal("6.00")
    assert account.entries.filter(kind="adjust", note="damaged").exists()


def test_the_lists_cost_the_same_at_3_and_30_cards(client, store):
    def grow(n):
        for _ in range(n):
            customer = factories.CustomerFactory()
            gift_card_issue(amount=Decimal("5.00"), channel="pos", customer=customer, store=store)

    pages = [LIST, ENTRIES, f"{LIST}?q=ab", f"{ENTRIES}?kind=issue"]
    grow(3)
    for url in pages:
        queries(client, url)
    at_3 = {url: queries(client, url) for url in pages}
    account = StoredValueAccount.objects.first()
    change = reverse("admin:payments_storedvalueaccount_change", args=[account.pk])
    at_3[change] = queries(client, change)

    grow(27)
    at_30 = {url: queries(client, url) for url in pages}
    at_30[change] = queries(client, change)

    assert at_3 == at_30
