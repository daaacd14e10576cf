"""The invoice of an order as a PDF, for whoever may see the order (its customer, staff, the
browser session that placed it). Every download after the first is marked DUPLICATE."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from channels_app.views.storefront.orders import visible_order
from shop.journal.invoices import invoice_pdf
from shop.journal.receipts import receipt_print
from shop.orders.models import Order


@require_GET
def order_invoice(request, number: str):
    order = visible_order(request, number)
    if not isinstance(order, Order):
        return order  # to the login page
    printed = receipt_print(order=order, user=request.user)
    if printed is None:
        raise Http404("This order has no invoice yet.")
    response = HttpResponse(
        invoice_pdf(order=order, printed=printed), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="invoice-{printed.entry.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
