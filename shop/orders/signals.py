"""Order events that higher layers react to (orders must not import them)."""

from django.dispatch import Signal

#: Sent inside the transaction that cancels or expires a placed order, after its held stock
#: went back: receivers undo what else the order took (carts gives its promotion uses back).
#: Arguments: `order`.
order_released = Signal()
