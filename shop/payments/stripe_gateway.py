"""Stripe as the card gateway (`PAYMENT_GATEWAY=shop.payments.stripe_gateway.StripeGateway`),
on the official `stripe` package and its PaymentIntents.

The card is typed into Stripe's own Card Element on the checkout page (Stripe.js, served by
Stripe); the browser gets a PaymentMethod id (`pm_...`) for it and only that id reaches our
server, as `card_token`. The server then creates and confirms a PaymentIntent for the amount.
Every call carries our row's idempotency key as Stripe's `Idempotency-Key`, so a retried
charge or refund happens once. Cards that need a 3-D Secure challenge are declined here (the
checkout confirms server-side, without redirects).

Stripe's webhook (`payment_intent.*`, `refund.*`) is verified by its signature
(`STRIPE_WEBHOOK_SECRET`) and applied once per event id: it records a charge whose answer the
checkout never received, and the outcome of refunds Stripe finishes later.
"""

import json
import logging
from decimal import Decimal

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from shop.errors import InvalidInput
from shop.payments.errors import PaymentGatewayError
from shop.payments.gateways import ChargeResult, PaymentGateway
from shop.payments.models import GatewayEvent, Payment

logger = logging.getLogger(__name__)
Status = Payment.Status
#: Currencies Stripe counts without minor units (its "zero-decimal" list, the ones a shop
#: could plausibly set).
ZERO_DECIMAL = {"JPY", "KRW", "CLP", "VND", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF"}
#: The metadata key under which a PaymentIntent keeps our idempotency key (to void it).
CHARGE_KEY = "charge_key"


def minor_units(amount: Decimal, currency: str) -> int:
    """Stripe's integer amount: cents for EUR, whole yen for JPY."""
    if currency.upper() in ZERO_DECIMAL:
        return int(amount.quantize(Decimal("1")))
    return int((amount * 100).quantize(Decimal("1")))


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is needed for the Stripe gateway.")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _unreachable(exc: stripe.StripeError) -> PaymentGatewayError:
    logger.warning("Stripe failed: %s (request %s)", exc, getattr(exc, "request_id", None))
    return PaymentGatewayError()


class StripeGateway(PaymentGateway):
    checkout_widget_template = "payments/stripe_card_widget.html"

    def __init__(self) -> None:
        self.client = stripe_client()
        #: For the widget: Stripe.js needs the publishable key.
        self.publishable_key = settings.STRIPE_PUBLISHABLE_KEY

    def charge(self, *, amount, currency, token, order_number, idempotency_key) -> ChargeResult:
        if not token.startswith("pm_"):
            return ChargeResult(False, message=gettext("The card details were not accepted."))
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": minor_units(amount, currency),
                    "currency": currency.lower(),
                    "payment_method": token,
                    "confirm": True,
                    "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                    "description": f"Order {order_number}",
                    "metadata": {"order": order_number, CHARGE_KEY: idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            declined = exc.user_message or gettext("The card was declined.")
            return ChargeResult(False, message=declined)
        except stripe.InvalidRequestError as exc:
            refused = exc.user_message or gettext("The card was not accepted.")
            return ChargeResult(False, message=refused)
        except stripe.StripeError as exc:
            raise _unreachable(exc) from exc
        if intent.status == "succeeded":
            return ChargeResult(True, reference=intent.id)
        if intent.status == "requires_action":
            self._cancel(intent.id)
            needs = gettext("This card needs an authentication we cannot ask.")
            return ChargeResult(False, message=needs)
        # "processing" and the like: not paid now; the webhook or the void settles it.
        raise PaymentGatewayError(
            gettext("The card payment is %(replace)s.")
            % {"replace": intent.status.replace("_", " ")}
        )

    def refund(self, *, amount, currency, reference, idempotency_key) -> ChargeResult:
        try:
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": reference,
                    "amount": minor_units(amount, currency),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as exc:  # already refunded, more than charged...
            return ChargeResult(False, message=exc.user_message or str(exc)[:200])
        except stripe.StripeError as exc:
            raise _unreachable(exc) from exc
        if refund.status in ("failed", "canceled"):
            return ChargeResult(False, message=f"Stripe: the refund {refund.status}.")
        return ChargeResult(True, reference=refund.id)

    def void(self, *, idempotency_key) -> None:
        """Finds the PaymentIntent made with this key (by its metadata) and cancels it, or
        refunds it when it went through."""
        try:
            found = self.client.v1.payment_intents.search(
                params={"query": f"metadata['{CHARGE_KEY}']:'{idempotency_key}'", "limit": 1}
            )
            for intent in found.data:
                if intent.status == "succeeded":
                    self.client.v1.refunds.create(
                        params={"payment_intent": intent.id},
                        options={"idempotency_key": f"void-{idempotency_key}"},
                    )
                elif intent.status != "canceled":
                    self._cancel(intent.id)
        except stripe.StripeError as exc:
            raise _unreachable(exc) from exc

    def _cancel(self, intent_id: str) -> None:
        self.client.v1.payment_intents.cancel(intent_id)


# --- the webhook ------------------------------------------------------------------------------


class InvalidWebhook(InvalidInput):
    code = "invalid_webhook"
    default_message = "The webhook's signature does not match."


def stripe_webhook_apply(*, payload: bytes, signature: str) -> bool:
    """Verifies and applies one webhook delivery; False when the event was applied before (a
    redelivery) or is of a kind we do not follow. `InvalidWebhook` on a bad signature."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError):
        raise InvalidWebhook() from None
    handler = _HANDLERS.get(event.type)
    if handler is None:
        return False
    data = json.loads(payload)["data"]["object"]
    try:
        with transaction.atomic():
            GatewayEvent.objects.create(provider="stripe", event_id=event.id, kind=event.type)
            handler(data)
    except IntegrityError:
        return False  # this event was applied already
    return True


def _intent_succeeded(intent: dict) -> None:
    """A charge whose answer the checkout lost (a timeout): recorded as taken. The checkout,
    or the sweeper of abandoned checkouts, then places the order or gives the money back."""
    key = (intent.get("metadata") or {}).get(CHARGE_KEY)
    if key:
        Payment.objects.filter(gateway_key=key, status=Status.PENDING).update(
            status=Status.CAPTURED, reference=intent["id"]
        )


def _intent_failed(intent: dict) -> None:
    key = (intent.get("metadata") or {}).get(CHARGE_KEY)
    error = intent.get("last_payment_error") or {}
    if key:
        Payment.objects.filter(gateway_key=key, status=Status.PENDING).update(
            status=Status.DECLINED, gateway_message=(error.get("message") or "Declined.")[:200]
        )


def _refund_updated(refund: dict) -> None:
    """A refund Stripe finished later: refused refunds wait for a manager's retry."""
    if refund.get("status") in ("failed", "canceled"):
        Payment.objects.filter(
            reference=refund["id"], status__in=[Status.PENDING, Status.REFUNDED]
        ).update(
            status=Status.REFUND_FAILED,
            gateway_message=f"Stripe: {refund.get('failure_reason') or refund['status']}"[:200],
        )


_HANDLERS = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "refund.updated": _refund_updated,
    "refund.failed": _refund_updated,
}
