"""The receipt of a till sale (or of an order placed at the till), printable on 80 mm paper."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from channels_app.views.pos.access import pos_view
from shop.journal.legal import seller_details
from shop.journal.receipts import receipt_print
from shop.orders.models import Order
from shop.orders.selectors import orders_with_lines
from shop.payments.models import Payment
from shop.staff.roles import can_act_at


def order_or_404(number: str, queryset=None) -> Order:
    try:
        return (queryset if queryset is not None else orders_with_lines()).get(
            number=number.strip().upper()
        )
    except Order.DoesNotExist:
        raise Http404(f"No order {number}.") from None


@require_GET
@pos_view
def receipt(request, store, number: str):
    return receipt_render(request, number)


def receipt_render(request, number: str, *, new_gift_cards=()):
    """The receipt page; `new_gift_cards`: the cards this sale just issued, whose codes are
    printed on this first receipt only (they are stored nowhere)."""
    order = order_or_404(
        number, orders_with_lines().select_related("staff_user").prefetch_related("payments")
    )
    placed_here = order.store is not None and can_act_at(request.user, order.store)
    if not (placed_here or order.staff_user_id == request.user.pk):
        raise PermissionDenied(gettext("This receipt belongs to another store."))
    payments = [p for p in order.payments.all() if p.status != Payment.Status.DECLINED]
    printed = receipt_print(order=order, user=request.user)
    return render(
        request,
        "pos/receipt.html",
        {
            "order": order,
            "payments": payments,
            "in_store": order.fulfilment == Order.Fulfilment.IN_STORE,
            "emailed_to": order.email or (order.customer.email if order.customer else ""),
            "new_gift_cards": new_gift_cards,
            "printed": printed,
            "seller": seller_details(),
        },
    )
