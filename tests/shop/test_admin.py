"""The managers' back office: every model is there, and the order actions call the services."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import TestCase
from django.urls import reverse

from carts.checkout import CheckoutDetails, checkout_place
from carts.services import cart_anonymous_new, cart_line_add
from inventory import services as stock
from inventory.models import Reservation, StockMovement
from shop.orders.models import Order
from tests import factories
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db
OUR_APPS = (
    "catalog",
    "customers",
    "orders",
    "staff",
    "inventory",
    "carts",
    "support",
    "channels_app",
    "shipping",
)


@pytest.fixture
def manager_client(manager):
    return admin_client(manager)


def _registered() -> set:
    return set(admin.site._registry)


def _inline_models() -> set:
    """Lines (order, cart, return lines) are shown inside their parent's page."""
    return {inline.model for ma in admin.site._registry.values() for inline in ma.inlines}


def test_every_model_is_in_the_admin():
    shown = _registered() | _inline_models()
    missing = [
        model._meta.label
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if model not in shown
    ]
    assert missing == []


@pytest.mark.parametrize("label", OUR_APPS)
def test_every_changelist_opens_for_a_manager(manager_client, label):
    factories.OrderLineFactory()
    for model in apps.get_app_config(label).get_models():
        if model not in _registered():
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = manager_client.get(url)
        assert response.status_code == 200, url


def _delivery_order(warehouse) -> Order:
    variant = factories.VariantFactory(price=Decimal("12.50"))
    stock.stock_receive(location=warehouse, lines=[stock.StockLine(variant, 4)])
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=variant.sku, quantity=2, channel="web")
    details = CheckoutDetails(
        email="ship@example.com",
        fulfilment="delivery",
        payment_method="card",
        card_token="tok_visa",
        shipping_address={
            "name": "Ann",
            "line1": "1 rue de la Paix",
            "postcode": "75002",
            "city": "Paris",
            "country": "FR",
        },
    )
    return checkout_place(cart=cart, details=details)


def _run_action(client, action: str, order: Order):
    url = reverse("admin:orders_order_changelist")
    return client.post(url, {"action": action, "_selected_action": [order.pk]}, follow=True)


def test_mark_shipped_turns_the_hold_into_a_sale(manager_client, warehouse):
    order = _delivery_order(warehouse)

    response = _run_action(manager_client, "mark_shipped", order)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert Reservation.objects.get(order_line__order=order).state == "committed"
    movement = StockMovement.objects.get(order=order)
    assert (movement.kind, movement.quantity, movement.location) == (
        "reservation_commit",
        -2,
        warehouse,
    )


def test_shipping_twice_is_refused_with_a_message(manager_client, warehouse):
    order = _delivery_order(warehouse)
    _run_action(manager_client, "mark_shipped", order)

    response = _run_action(manager_client, "mark_shipped", order)

    assert "cannot become shipped" in response.content.decode()
    assert StockMovement.objects.filter(order=order).count() == 1


def test_cancel_releases_the_hold_and_refunds_the_card(manager_client, warehouse):
    order = _delivery_order(warehouse)

    with TestCase.captureOnCommitCallbacks(execute=True):
        _run_action(manager_client, "cancel", order)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Reservation.objects.get(order_line__order=order).state == "released"
    refund = order.payments.get(status="refunded")
    assert refund.amount == order.total
    assert refund.reference.startswith("test_re_")
