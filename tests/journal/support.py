"""Sales for the journal tests, through the real services."""

from decimal import Decimal

from shop.orders.returns import ReturnRequest, return_create
from tests import factories
from tests.channels_app.support import receive


def stocked_variant(store, *, sku: str, price: str = "12.00", units: int = 50, **product):
    variant = factories.VariantFactory(
        sku=sku, price=Decimal(price), **{f"product__{k}": v for k, v in product.items()}
    )
    receive(store, variant, units)
    return variant


def give_back(order, store, sku: str, quantity: int, *, user=None):
    return return_create(
        order=order,
        store=store,
        lines=[ReturnRequest(sku, quantity)],
        restock=True,
        channel="pos",
        user=user,
    )
