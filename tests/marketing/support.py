"""Helpers of the marketing tests."""

from tests import factories


def buy(customer, *variants, channel="web", returned=()):
    order = factories.OrderFactory(customer=customer, email=customer.email, channel=channel)
    for variant in variants:
        factories.OrderLineFactory(
            order=order, variant=variant, returned_quantity=1 if variant in returned else 0
        )
    return order
