"""Small helpers for the cart and checkout tests: promotions, API calls and request bodies."""

import json
import uuid
from decimal import Decimal

from carts.models import Promotion

CART = "/api/cart/"
LINES = "/api/cart/lines/"
CODES = "/api/cart/promotion-codes/"
CHECKOUT = "/api/checkout/"
ORDERS = "/api/orders/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
ADDRESS = {
    "name": "Ann Example",
    "line1": "1 Rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "country": "FR",
}


def promotion(
    *,
    kind: str = Promotion.Kind.PERCENTAGE,
    value: str | Decimal = "10",
    code: str = "",
    categories=(),
    variants=(),
    **fields,
) -> Promotion:
    """A promotion; automatic unless it has a code."""
    promo = Promotion.objects.create(
        name=fields.pop("name", code or f"{value} {kind}"),
        kind=kind,
        value=Decimal(value),
        code=code,
        **fields,
    )
    promo.categories.set(categories)
    promo.variants.set(variants)
    return promo


def line_url(line_id: int) -> str:
    return f"{LINES}{line_id}/"


def post_json(client, url: str, body: dict, **headers):
    """POSTs JSON with a django.test.Client or a DRF APIClient alike."""
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def add_line(client, sku: str, quantity: int = 1):
    return post_json(client, LINES, {"sku": sku, "quantity": quantity})


def collect_body(
    store: str = "st1",
    *,
    method: str = "pay_at_pickup",
    token: str = "",
    email: str = "ann@example.com",
) -> dict:
    payment = {"method": method}
    if token:
        payment["card_token"] = token
    return {"email": email, "fulfilment": "collect", "store": store, "payment": payment}


def delivery_body(*, token: str = "tok_visa", email: str = "ann@example.com", **address) -> dict:
    return {
        "email": email,
        "fulfilment": "delivery",
        "shipping_address": {**ADDRESS, **address},
        "payment": {"method": "card", "card_token": token},
    }


def checkout(client, body: dict, key: str | None = None):
    return client.post(
        CHECKOUT,
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )
