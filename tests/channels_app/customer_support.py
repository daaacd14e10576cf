"""One customer's history made the way the channels make it: a web order through checkout, a
store sale at the till, a return at a counter, for the account and customer-panel tests."""

from carts.checkout import CheckoutDetails, checkout_place
from carts.pos import TillPayment, pos_sale_complete
from carts.services import cart_anonymous_new, cart_line_add
from shop.channels import Channel
from shop.customers.models import Customer
from shop.customers.services import customer_for_user
from shop.orders.models import Order
from shop.orders.returns import ReturnRequest, return_create
from shop.orders.services import order_mark_shipped
from tests.carts.support import ADDRESS
from tests.channels_app.support import receive


def shopper_customer(user) -> Customer:
    """The signed-in shopper's customer, with the email of their account (as a verified
    address gives it)."""
    customer = customer_for_user(user)
    Customer.objects.filter(pk=customer.pk).update(email=user.email)
    customer.refresh_from_db()
    return customer


def web_order(customer: Customer, warehouse, variant, quantity: int = 1) -> Order:
    """A delivery ordered online by the signed-in customer, paid by card and shipped. (Its
    cart is one of its own: the customer's saved cart is left as it is.)"""
    receive(warehouse, variant, quantity)
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=variant.sku, quantity=quantity, channel=Channel.WEB)
    order = checkout_place(
        cart=cart,
        customer=customer,
        details=CheckoutDetails(
            email=customer.email,
            fulfilment=Order.Fulfilment.DELIVERY,
            payment_method="card",
            card_token="tok_visa",
            shipping_address=ADDRESS,
        ),
    )
    return order_mark_shipped(order=order)


def store_sale(customer: Customer, store, variant, quantity: int = 1) -> Order:
    """A sale at the till to the customer, paid on the card terminal."""
    receive(store, variant, quantity)
    return pos_sale_complete(
        store=store,
        clerk=None,
        payment=TillPayment(method="card", terminal_reference="T-1"),
        lines=[(variant, quantity)],
        customer=customer,
    )


def take_back(order: Order, store, quantity: int = 1):
    """Units of the order's first line returned at `store`, refunded by the original method."""
    line = order.lines.first()
    return return_create(
        order=order,
        store=store,
        lines=[ReturnRequest(line.sku, quantity)],
        restock=True,
        channel=Channel.POS,
    )
