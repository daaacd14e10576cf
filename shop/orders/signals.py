"""Order events that higher layers react to (orders must not import them)."""

from django.dispatch import Signal

#: Sent inside the transaction that cancels or expires a placed order, after its held stock
#: went back: receivers undo what else the order took (carts gives its promotion uses back).
#: Arguments: `order`.
order_released = Signal()

#: Sent inside the transaction that places an order on any channel (a web checkout, a till
#: sale), once the order is placed: receivers record what led to it (a cart reminder).
#: Arguments: `order`, `cart` (the cart it was placed from, or None).
order_placed = Signal()
