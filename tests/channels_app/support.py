"""Stock set-up through `inventory.services` and small readers for the API tests."""

import html
import uuid
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import services
from inventory.models import Stock, StockMovement
from shop.payments.drawer import drawer_open
from tests import factories


def receive(location, variant, quantity: int) -> None:
    services.stock_receive(location=location, lines=[services.StockLine(variant, quantity)])


def reserve(location, variant, quantity: int, *, expires_at: datetime | None = None):
    line = factories.OrderLineFactory(variant=variant, quantity=quantity)
    [reservation] = services.stock_reserve(
        requests=[services.ReservationRequest(line, location, quantity)], expires_at=expires_at
    )
    return reservation


def set_safety_stock(location, variant, units: int) -> None:
    # No service sets the safety stock (it is an admin setting), so the row is updated here.
    Stock.objects.filter(location=location, variant=variant).update(safety_stock=units)


def stock_row(location, variant) -> tuple[int, int]:
    """(on hand, reserved) of one stock row; (0, 0) when there is none."""
    row = Stock.objects.filter(location=location, variant=variant).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def movement_count() -> int:
    return StockMovement.objects.count()


def assert_error(response, status: int, code: str) -> dict:
    """Checks the one error body shape and returns the inner `error` object."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], list)
    return error


def open_till(*stores, float_: str = "100.00") -> None:
    """Cash needs an open till: opens one at each store."""
    opener = factories.UserFactory()
    for store in stores:
        drawer_open(store=store, user=opener, opening_float=Decimal(float_))


def page_text(response) -> str:
    """An HTML page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def page_queries(client, url: str) -> int:
    """The queries of a page shown a second time: what it caches (the header's categories) is
    cached, so two measures compare the page's own queries."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def till_sale(client, store) -> dict:
    """The sale the client's clerk is ringing up at `store` (kept in the database):
    `{"lines": {sku: quantity}, "codes", "customer_id", "cart_id"}`; empty lines when none."""
    from carts.models import TillCart

    till_cart = TillCart.objects.filter(
        store=store, user_id=client.session.get("_auth_user_id")
    ).first()
    if till_cart is None:
        return {"lines": {}, "codes": [], "customer_id": None, "cart_id": None}
    return {
        "lines": {line.variant.sku: line.quantity for line in till_cart.cart.lines.all()},
        "codes": [p.code for p in till_cart.cart.promotions.all()],
        "customer_id": till_cart.customer_id,
        "cart_id": till_cart.loaded_cart_id,
    }


def clerk_at_open_till(client, clerk, store):
    """`client` signed in as `clerk`, with the till of `store` open (cash needs it)."""
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    client.force_login(clerk)
    return client


def till_pay(client, store, **fields):
    """Posts the till's payment form for the sale the till page shows now."""
    body = {
        "store": store.code,
        "idempotency_key": str(uuid.uuid4()),
        "sale": client.get("/pos/").context["signature"],
        **fields,
    }
    return client.post("/pos/sale/complete/", body)
