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

#: Sent inside the transaction that cancels or expires a placed order, right after its status
#: changed and before anything else (the sales journal records the void there, ahead of the
#: stock rows in the lock order). Arguments: `order`, `channel`, `user`.
order_voided = Signal()

#: Sent inside a transaction that may give back part or all of a placed order (an item not
#: found when picking), before it locks any stock row: the sales journal locks its chain there,
#: ahead of the stock rows as in a sale. Arguments: `order`.
order_amending = Signal()

#: Sent inside the transaction that cancels units of a placed order's line before hand-over,
#: once their money is given back. Arguments: `order`, `line`, `quantity`, `amount` and `tax`
#: (what the units cost and the VAT in it, at the line's rate), `refunds` (what each tender
#: gave back: `shop.payments.services.RefundShare`s), `channel`, `user`.
order_line_cancelled = Signal()

#: Sent inside the transaction of a return, once its refund is recorded and before its stock
#: comes back. Arguments: `record` (the `Return`, its lines saved).
order_returned = Signal()

#: Sent while an order email is written: receivers may return an attachment for it, a
#: `(filename, content, mimetype)` tuple, or None. Arguments: `order`, `kind`.
order_email_attachments = Signal()
