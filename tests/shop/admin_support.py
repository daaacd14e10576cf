"""Rows of every kind the back office lists, `grow(n)` more at a time, for tests that compare
what a page costs at two sizes."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carts.models import Cart, CartLine, Promotion, PromotionUsage
from channels_app.models import IdempotencyKey
from inventory.models import Reservation
from inventory.services import StockLine, stock_receive
from shop.customers.models import CustomerEvent
from shop.orders.models import Order, Return, ReturnLine
from shop.outbox.models import OutboxMessage
from shop.payments.models import CashDrawerSession, Payment
from tests import factories


def queries(client, url: str) -> int:
    """How many queries a GET of `url` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@dataclass
class Shop:
    """One customer, order, cart, product and return that grow, among rows that grow too."""

    store: object
    clerk: object
    customer: object
    order: Order
    cart: Cart
    product: object
    returned: Return
    promotion: Promotion
    made: int = 0

    def grow(self, n: int) -> None:
        for _ in range(n):
            self._one_more()

    def _one_more(self) -> None:
        self.made += 1
        i = self.made
        other = factories.CustomerFactory()
        CustomerEvent.objects.create(
            customer=self.customer,
            kind=CustomerEvent.Kind.POS_SALE,
            channel="pos",
            store=self.store,
            payload={"n": i},
        )
        CustomerEvent.objects.create(customer=other, kind="product_viewed", channel="web")
        variant = factories.VariantFactory(product=self.product)
        stock_receive(location=self.store, lines=[StockLine(variant, 5)], reference=f"r{i}")
        line = factories.OrderLineFactory(order=self.order, variant=variant)
        order = factories.OrderFactory(customer=other, store=self.store)
        Reservation.objects.create(
            order_line=factories.OrderLineFactory(order=order, variant=variant),
            location=self.store,
            variant=variant,
            quantity=1,
        )
        for paid in (self.order, order):
            Payment.objects.create(
                order=paid,
                method="card",
                status="captured",
                amount=Decimal("10.00"),
                currency=settings.SHOP_CURRENCY,
                channel="web",
                store=self.store,
            )
        ReturnLine.objects.create(
            return_record=self.returned, order_line=line, quantity=1, amount=Decimal("10.00")
        )
        CartLine.objects.create(cart=self.cart, variant=variant, quantity=1)
        CartLine.objects.create(
            cart=Cart.objects.create(customer=other, handoff_code=f"H{i:05d}"),
            variant=variant,
            quantity=2,
        )
        PromotionUsage.objects.create(promotion=self.promotion, order=order, amount=Decimal("1"))
        IdempotencyKey.objects.create(scope=f"user:{i}", key=f"k{i}", request_hash="x" * 64)
        OutboxMessage.objects.create(
            topic="orders.email", key=f"order:{i}:confirmation", available_at=timezone.now()
        )
        CashDrawerSession.objects.create(
            store=self.store,
            opened_by=self.clerk,
            opening_float=Decimal("100.00"),
            closed_by=self.clerk,
            closed_at=timezone.now(),
        )


def shop(store) -> Shop:
    customer = factories.CustomerFactory(name="Ada Lovelace", email="ada@example.com")
    order = factories.OrderFactory(customer=customer, store=store, number="OS-ADA001")
    return Shop(
        store=store,
        clerk=factories.clerk(store=store),
        customer=customer,
        order=order,
        cart=Cart.objects.create(customer=customer, handoff_code="ADA001"),
        product=factories.ProductFactory(name="Analytical Engine"),
        returned=Return.objects.create(
            order=order, store=store, channel="pos", refund_method="cash", refund_amount=0
        ),
        promotion=Promotion.objects.create(name="Spring", code="SPRING", kind="fixed", value=1),
    )
