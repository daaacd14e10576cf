"""The Stripe adapter at its HTTP boundary: Stripe's API answers are replayed with `responses`
(bodies in Stripe's documented shape, under tests/shop/stripe/), and webhook deliveries are
signed here exactly as Stripe signs them."""

import hashlib
import hmac
import json
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.test import TestCase

from shop.errors import InvalidInput
from shop.orders.models import Order
from shop.payments.errors import PaymentGatewayError
from shop.payments.models import GatewayEvent, Payment
from shop.payments.refunds import refund_send
from shop.payments.stored_value import gift_card_by_code, gift_card_issue
from shop.payments.stripe_gateway import StripeGateway, minor_units, stripe_webhook_apply
from tests import factories
from tests.carts.support import add_line, checkout, delivery_body
from tests.channels_app.support import assert_error, receive

FIXTURES = Path(__file__).parent / "stripe"
API = "https://api.stripe.com/v1"
SECRET = "whsec_test_0123456789abcdef"
KEY = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"


def fixture(name: str, **changes) -> dict:
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    text = json.dumps(body).replace('"charge_key": "KEY"', f'"charge_key": "{KEY}"')
    body = json.loads(text)
    body.update(changes)
    return body


def form(call) -> dict[str, str]:
    """The form-encoded body Stripe received, one value per key."""
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def signed(payload: str, *, secret: str = SECRET, at: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends: t=<unix time>,v1=<HMAC-SHA256>."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def stripe_refund_row(*, status: str, reference: str = "") -> Payment:
    """A refund of 15.00 of a 20.00 card charge Stripe made (PaymentIntent of the fixtures)."""
    order = factories.OrderFactory()
    charge_row = Payment.objects.create(
        order=order,
        method="card",
        status="captured",
        amount=Decimal("20.00"),
        currency="EUR",
        reference="pi_3QxGfT2eZvKYlo2C0Ykq9Jd1",
        channel="web",
    )
    return Payment.objects.create(
        order=order,
        method="card",
        status=status,
        amount=Decimal("15.00"),
        currency="EUR",
        reference=reference,
        refund_of=charge_row,
        channel="web",
    )


@pytest.fixture
def stripe_settings(settings):
    settings.PAYMENT_GATEWAY = "shop.payments.stripe_gateway.StripeGateway"
    settings.STRIPE_SECRET_KEY = "sk_test_51QxGfS2eZvKYlo2C"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_51QxGfS2eZvKYlo2C"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return settings


@pytest.fixture
def stripe_api(stripe_settings):
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def gateway(stripe_api):
    return StripeGateway()


def charge(gateway, amount="20.00", token="pm_card_visa"):
    return gateway.charge(
        amount=Decimal(amount),
        currency="EUR",
        token=token,
        order_number="OS-TEST01",
        idempotency_key=KEY,
    )


class TestCharge:
    def test_an_approved_payment_intent(self, gateway, stripe_api):
        stripe_api.post(f"{API}/payment_intents", json=fixture("payment_intent_succeeded"))

        result = charge(gateway)

        assert (result.approved, result.reference) == (True, "pi_3QxGfT2eZvKYlo2C0Ykq9Jd1")
        [call] = stripe_api.calls
        assert call.request.headers["Idempotency-Key"] == KEY
        assert call.request.headers["Authorization"] == "Bearer sk_test_51QxGfS2eZvKYlo2C"
        sent = form(call)
        assert sent["amount"] == "2000"
        assert sent["currency"] == "eur"
        assert sent["payment_method"] == "pm_card_visa"
        assert sent["confirm"] == "true"
        assert sent["automatic_payment_methods[allow_redirects]"] == "never"
        assert sent["metadata[charge_key]"] == KEY
        assert sent["metadata[order]"] == "OS-TEST01"

    def test_a_declined_card(self, gateway, stripe_api):
        stripe_api.post(f"{API}/payment_intents", json=fixture("card_declined"), status=402)

        result = charge(gateway)

        assert (result.approved, result.message) == (False, "Your card has insufficient funds.")

    def test_a_card_needing_authentication_is_cancelled_and_declined(self, gateway, stripe_api):
        stripe_api.post(f"{API}/payment_intents", json=fixture("payment_intent_requires_action"))
        cancel = stripe_api.post(
            f"{API}/payment_intents/pi_3QxGhA2eZvKYlo2C1kLw8Zt4/cancel",
            json=fixture("payment_intent_canceled"),
        )

        result = charge(gateway)

        assert not result.approved
        assert cancel.call_count == 1

    def test_stripe_failing_is_a_gateway_error(self, gateway, stripe_api):
        stripe_api.post(
            f"{API}/payment_intents",
            json={"error": {"type": "api_error", "message": "Something went wrong."}},
            status=500,
        )

        with pytest.raises(PaymentGatewayError):
            charge(gateway)

    def test_stripe_unreachable_is_a_gateway_error(self, gateway, stripe_api):
        stripe_api.post(f"{API}/payment_intents", body=requests.ConnectionError("timed out"))

        with pytest.raises(PaymentGatewayError):
            charge(gateway)

    def test_a_token_that_is_no_payment_method_never_reaches_stripe(self, gateway, stripe_api):
        result = charge(gateway, token="4242424242424242")

        assert not result.approved
        assert not stripe_api.calls

    def test_amounts_in_minor_units(self):
        assert minor_units(Decimal("19.99"), "EUR") == 1999
        assert minor_units(Decimal("1500"), "JPY") == 1500


class TestRefundAndVoid:
    def test_a_refund_with_the_rows_idempotency_key(self, gateway, stripe_api):
        stripe_api.post(f"{API}/refunds", json=fixture("refund_succeeded"))

        result = gateway.refund(
            amount=Decimal("15.00"),
            currency="EUR",
            reference="pi_3QxGfT2eZvKYlo2C0Ykq9Jd1",
            idempotency_key="refund-key-1",
        )

        assert (result.approved, result.reference) == (True, "re_3QxGfT2eZvKYlo2C0n8Rk2Lp")
        [call] = stripe_api.calls
        assert call.request.headers["Idempotency-Key"] == "refund-key-1"
        assert form(call) == {"payment_intent": "pi_3QxGfT2eZvKYlo2C0Ykq9Jd1", "amount": "1500"}

    def test_a_refused_refund(self, gateway, stripe_api):
        stripe_api.post(f"{API}/refunds", json=fixture("refund_already_refunded"), status=400)

        result = gateway.refund(
            amount=Decimal("15.00"), currency="EUR", reference="pi_x", idempotency_key="k"
        )

        assert not result.approved
        assert "already been refunded" in result.message

    def test_void_refunds_a_charge_that_went_through(self, gateway, stripe_api):
        search = stripe_api.get(
            f"{API}/payment_intents/search", json=fixture("payment_intent_search")
        )
        refund = stripe_api.post(f"{API}/refunds", json=fixture("refund_succeeded"))

        gateway.void(idempotency_key=KEY)

        assert "charge_key" in search.calls[0].request.url
        assert refund.calls[0].request.headers["Idempotency-Key"] == f"void-{KEY}"

    def test_void_cancels_an_unfinished_intent(self, gateway, stripe_api):
        found = fixture("payment_intent_search")
        found["data"][0]["status"] = "requires_payment_method"
        stripe_api.get(f"{API}/payment_intents/search", json=found)
        cancel = stripe_api.post(
            f"{API}/payment_intents/pi_3QxGfT2eZvKYlo2C0Ykq9Jd1/cancel",
            json=fixture("payment_intent_canceled"),
        )

        gateway.void(idempotency_key=KEY)

        assert cancel.call_count == 1


@pytest.mark.django_db
class TestCheckoutThroughStripe:
    def test_a_gift_card_and_stripe_pay_one_order(self, stripe_api, client, warehouse):
        variant = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"))
        receive(warehouse, variant, 5)
        code = gift_card_issue(amount=Decimal("10.00"), channel="api").code
        stripe_api.post(f"{API}/payment_intents", json=fixture("payment_intent_succeeded"))
        add_line(client, "BAG-30")
        body = delivery_body()
        body.pop("payment")
        body["payments"] = [
            {"method": "gift_card", "code": code, "amount": "10.00"},
            {"method": "card", "card_token": "pm_card_visa"},
        ]

        response = checkout(client, body)

        assert response.status_code == 201, response.content
        [call] = stripe_api.calls
        assert form(call)["amount"] == "2000"  # what the gift card left
        card = Payment.objects.get(method="card")
        assert (card.status, card.reference) == ("captured", "pi_3QxGfT2eZvKYlo2C0Ykq9Jd1")
        assert call.request.headers["Idempotency-Key"] == str(card.gateway_key)
        assert gift_card_by_code(code).balance == Decimal("0.00")

    def test_stripe_declining_gives_the_gift_card_back(self, stripe_api, client, warehouse):
        variant = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"))
        receive(warehouse, variant, 5)
        code = gift_card_issue(amount=Decimal("10.00"), channel="api").code
        stripe_api.post(f"{API}/payment_intents", json=fixture("card_declined"), status=402)
        add_line(client, "BAG-30")
        body = delivery_body()
        body.pop("payment")
        body["payments"] = [
            {"method": "gift_card", "code": code, "amount": "10.00"},
            {"method": "card", "card_token": "pm_card_visa"},
        ]

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = checkout(client, body)

        error = assert_error(response, 402, "payment_declined")
        assert error["message"] == "Your card has insufficient funds."
        assert gift_card_by_code(code).balance == Decimal("10.00")
        assert Order.objects.get().status == Order.Status.PAYMENT_FAILED

    def test_a_refund_goes_to_stripe_from_the_outbox(self, stripe_api, db):
        refund_row = stripe_refund_row(status="pending")
        stripe_api.post(f"{API}/refunds", json=fixture("refund_succeeded"))

        assert refund_send(payment_id=refund_row.pk)

        refund_row.refresh_from_db()
        assert (refund_row.status, refund_row.reference) == (
            "refunded",
            "re_3QxGfT2eZvKYlo2C0n8Rk2Lp",
        )
        assert stripe_api.calls[0].request.headers["Idempotency-Key"] == str(refund_row.gateway_key)


WEBHOOK = "/api/payments/stripe/webhook/"


@pytest.mark.django_db
class TestWebhook:
    def pending_charge(self) -> Payment:
        return Payment.objects.create(
            order=factories.OrderFactory(),
            method="card",
            status="pending",
            amount=Decimal("20.00"),
            currency="EUR",
            channel="web",
            gateway_key=KEY,
        )

    def deliver(self, client, payload: str, signature: str):
        return client.post(
            WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )

    def test_a_signed_event_is_applied_once(self, stripe_settings, client):
        attempt = self.pending_charge()
        payload = json.dumps(fixture("event_payment_intent_succeeded"))

        first = self.deliver(client, payload, signed(payload))
        again = self.deliver(client, payload, signed(payload))

        assert (first.status_code, first.json()) == (200, {"applied": True})
        assert (again.status_code, again.json()) == (200, {"applied": False})
        attempt.refresh_from_db()
        assert (attempt.status, attempt.reference) == ("captured", "pi_3QxGfT2eZvKYlo2C0Ykq9Jd1")
        assert GatewayEvent.objects.count() == 1

    def test_a_bad_signature_is_refused_and_changes_nothing(self, stripe_settings, client):
        attempt = self.pending_charge()
        payload = json.dumps(fixture("event_payment_intent_succeeded"))

        forged = self.deliver(client, payload, signed(payload, secret="whsec_someone_else"))
        stale = self.deliver(client, payload, signed(payload, at=int(time.time()) - 3600))
        unsigned = self.deliver(client, payload, "")

        for response in (forged, stale, unsigned):
            assert_error(response, 400, "invalid_webhook")
        attempt.refresh_from_db()
        assert attempt.status == "pending"
        assert not GatewayEvent.objects.exists()

    def test_a_refund_stripe_failed_later_waits_for_a_retry(self, stripe_settings):
        refund_row = stripe_refund_row(status="refunded", reference="re_3QxGfT2eZvKYlo2C0n8Rk2Lp")
        payload = json.dumps(fixture("event_refund_failed"))

        assert stripe_webhook_apply(payload=payload.encode(), signature=signed(payload))

        refund_row.refresh_from_db()
        assert refund_row.status == "refund_failed"
        assert "expired_or_canceled_card" in refund_row.gateway_message

    def test_events_we_do_not_follow_are_acknowledged(self, stripe_settings):
        payload = json.dumps({**fixture("event_refund_failed"), "type": "customer.created"})

        assert not stripe_webhook_apply(payload=payload.encode(), signature=signed(payload))

    def test_the_webhook_error_is_a_400(self, stripe_settings):
        with pytest.raises(InvalidInput):
            stripe_webhook_apply(payload=b"{}", signature="t=1,v1=00")
