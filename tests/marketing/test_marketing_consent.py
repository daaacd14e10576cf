"""The marketing consent, asked at sign-up and checkout, changed in the account, honoured by
the cart reminders; and the account's suggestions."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from shop.customers.models import Customer
from shop.customers.services import customer_for_user
from shop.marketing.models import CartReminder
from shop.marketing.reminders import cart_reminders_send, reminders_switched_on_at
from tests import factories
from tests.carts.support import add_line, checkout, collect_body
from tests.channels_app.support import receive

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-42"


def sign_up(client, *, consent: bool) -> Customer:
    body = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    if consent:
        body["marketing_consent"] = "on"
    response = client.post("/accounts/signup/", body)
    assert response.status_code == 302, response.content
    return Customer.objects.get(user__email="new@example.com")


def test_sign_up_asks_for_consent(client):
    assert "Email me offers" in client.get("/accounts/signup/").content.decode()
    customer = sign_up(client, consent=True)
    assert customer.marketing_consent
    assert customer.marketing_consent_at is not None


def test_no_tick_at_sign_up_is_no_consent(client):
    assert not sign_up(client, consent=False).marketing_consent


def test_the_account_page_withdraws_it(client):
    user = factories.UserFactory(username="ann", email="ann@example.com")
    customer = customer_for_user(user)
    customer.marketing_consent = True
    customer.save()
    client.force_login(user)
    page = client.get("/account/orders/").content.decode()
    assert 'name="marketing_consent" checked' in page
    client.post("/account/email-preferences/", {})
    customer.refresh_from_db()
    assert not customer.marketing_consent


def test_a_guest_checkout_with_the_box_ticked_is_reminded_after_a_declined_card(
    store, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        reminders_switched_on_at()
        clock.shift(timedelta(minutes=1))
        tee = factories.VariantFactory(sku="TEE-M", product__name="Tee")
        receive(store, tee, 3)
        client = Client()
        client.post("/cart/add/", {"sku": "TEE-M", "quantity": "1"})
        response = client.post(
            "/checkout/",
            {
                "idempotency_key": str(uuid.uuid4()),
                "email": "guest@example.com",
                "fulfilment": "collect",
                "store": store.code,
                "payment_method": "card",
                "card_token": "tok_declined",
                "marketing_consent": "on",
            },
        )
        assert response.status_code == 200  # the form again, the card declined
        assert Customer.objects.get(email="guest@example.com").marketing_consent
        clock.shift(timedelta(minutes=61))
        with django_capture_on_commit_callbacks(execute=True):
            assert cart_reminders_send().sent == 1
    assert [m.to for m in mail.outbox if "cart" in m.subject] == [["guest@example.com"]]
    assert CartReminder.objects.get().customer.email == "guest@example.com"


def test_an_anonymous_checkout_never_consents_for_an_accounts_email(store):
    user = factories.UserFactory(username="ann", email="ann@example.com")
    factories.CustomerFactory(email="ann@example.com", user=user)
    tee = factories.VariantFactory(sku="TEE-M")
    receive(store, tee, 3)
    client = Client()
    client.post("/cart/add/", {"sku": "TEE-M", "quantity": "1"})
    client.post(
        "/checkout/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "email": "ann@example.com",
            "fulfilment": "collect",
            "store": store.code,
            "payment_method": "card",
            "card_token": "tok_declined",
            "marketing_consent": "on",
        },
    )
    assert not Customer.objects.get(email="ann@example.com").marketing_consent


@pytest.mark.parametrize(("sent", "expected"), [({"marketing_consent": True}, True), ({}, False)])
def test_the_api_checkout_takes_the_consent_when_sent(api, store, sent, expected):
    store.click_and_collect = True
    store.save()
    tee = factories.VariantFactory(sku="TEE-M")
    receive(store, tee, 3)
    assert add_line(api, "TEE-M").status_code == 201
    body = collect_body(store.code, email="api-guest@example.com") | sent
    assert checkout(api, body).status_code == 201
    assert Customer.objects.get(email="api-guest@example.com").marketing_consent is expected
