"""The hand-computed measurement fixture, placed the way shoppers and clerks place orders.

Visitor A reads the newsletter (utm email link), comes back later from a Google search and
buys online for 33.33 (one item), delivered. Visitor B scans the QR code in the window of
store st1, signs in, and buys two items (30.00 + 20.00) at that store's till; B brings the
20.00 item back. Every figure the report tests expect is worked out by hand in them.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.test import Client
from django.utils import timezone

from channels_app.visitor import VISITOR_COOKIE
from shop.channels import Channel
from shop.customers.services import customer_get_or_create
from shop.marketing.models import OrderAttribution, OrderTouch, Touch
from shop.marketing.touches import touches_adopt
from shop.orders.models import Order
from shop.orders.returns import ReturnRequest, return_create
from tests import factories
from tests.channels_app.support import receive
from tests.shop.order_support import ADDRESS, till_sale

NEWSLETTER = "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
WINDOW_QR = "/?utm_source=window&utm_medium=qr&utm_campaign=st1-window&store=st1"


@dataclass
class Measured:
    online: Order
    till: Order


def web_checkout(browser: Client, *, sku: str, email: str) -> Order:
    response = browser.post(
        "/api/cart/lines/",
        json.dumps({"sku": sku, "quantity": 1}),
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content
    body = {
        "email": email,
        "fulfilment": "delivery",
        "shipping_address": ADDRESS,
        "payment": {"method": "card", "card_token": "tok_visa"},
    }
    response = browser.post(
        "/api/checkout/",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def place_fixture(*, store, warehouse) -> Measured:
    lamp = factories.VariantFactory(sku="LAMP", price=Decimal("33.33"))
    coat = factories.VariantFactory(sku="COAT", price=Decimal("30.00"))
    scarf = factories.VariantFactory(sku="SCARF", price=Decimal("20.00"))
    receive(warehouse, lamp, 5)
    receive(store, coat, 5)
    receive(store, scarf, 5)

    ann = Client()
    assert ann.get(NEWSLETTER).status_code == 200
    assert ann.get("/", headers={"referer": "https://www.google.com/search?q=lamp"}).status_code
    online = web_checkout(ann, sku="LAMP", email="ann@example.com")

    bob = Client()
    assert bob.get(WINDOW_QR).status_code == 200
    bob_customer = customer_get_or_create(email="bob@example.com")
    # Bob signs in on his phone: his browser's touches become his (tested on its own elsewhere).
    touches_adopt(visitor=bob.cookies[VISITOR_COOKIE].value, customer=bob_customer)
    till = till_sale(
        store, factories.clerk(store=store), [(coat, 1), (scarf, 1)], customer=bob_customer
    )
    return_create(
        order=till,
        store=store,
        lines=[ReturnRequest(sku="SCARF", quantity=1)],
        restock=True,
        channel="pos",
    )
    return Measured(online=online, till=till)


def bulk_orders(count: int, *, store, first: int = 0) -> None:
    """`count` sold orders over the last ten days, each with a two-touch path, written with
    bulk_create (no signal): what a month of traffic leaves in the tables, made fast."""
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            number=f"OS-B{first + i:07d}",
            channel=Channel.WEB if i % 3 else Channel.POS,
            fulfilment=Order.Fulfilment.IN_STORE if i % 3 == 0 else Order.Fulfilment.DELIVERY,
            store=store if i % 3 == 0 else None,
            status=Order.Status.COMPLETED,
            currency=settings.SHOP_CURRENCY,
            subtotal=Decimal("10.01"),
            total=Decimal("10.01"),
        )
        for i in range(count)
    )
    kinds = [
        (Touch.Group.EMAIL, "weekly-mail", "autumn"),
        (Touch.Group.SOCIAL, "instagram", "stories"),
        (Touch.Group.ORGANIC_SEARCH, "google", ""),
        (Touch.Group.PAID_SEARCH, "google", "brand"),
        (Touch.Group.REFERRAL, "blog.example.org", ""),
    ]
    touches = Touch.objects.bulk_create(
        Touch(channel=channel, source=source, campaign=campaign, at=now)
        for i in range(2 * count)
        for channel, source, campaign in [kinds[(i * 7 + i // 3) % len(kinds)]]
    )
    attributions = OrderAttribution.objects.bulk_create(
        OrderAttribution(
            order=order,
            placed_at=now - timedelta(days=i % 10),
            first_touch=touches[2 * i],
            last_touch=touches[2 * i + 1],
            last_non_direct_touch=touches[2 * i + 1],
            touch_count=2,
        )
        for i, order in enumerate(orders)
    )
    OrderTouch.objects.bulk_create(
        OrderTouch(attribution=a, touch=touches[2 * i + p], position=p)
        for i, a in enumerate(attributions)
        for p in (0, 1)
    )
