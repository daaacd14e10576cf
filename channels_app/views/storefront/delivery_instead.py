"""The link of a pick failure's email: the customer confirms where the cancelled item should
be delivered instead (signed in or not: the signed link is the proof), which opens a service
request on the order for staff."""

from django.shortcuts import render

from channels_app.address_forms import AddressForm, address_errors_show
from shop.customers.models import Address
from shop.errors import InvalidInput
from shop.orders.delivery_choice import delivery_choice_from_token
from shop.support.delivery_requests import delivery_request_open

TEMPLATE = "storefront/delivery_instead.html"


class DeliveryAddressForm(AddressForm):
    is_default_shipping = None
    is_default_billing = None


def _initial(line) -> dict:
    customer = line.order.customer
    saved = (
        Address.objects.filter(customer=customer).order_by("-is_default_shipping", "pk").first()
        if customer is not None
        else None
    )
    if saved is not None:
        return {**saved.as_dict(), "line2": saved.line2}
    return {"name": customer.name if customer else "", "country": "FR"}


def delivery_instead(request, token: str):
    line = delivery_choice_from_token(token)
    if line is None:
        return render(request, TEMPLATE, {"invalid": True}, status=404)
    form = DeliveryAddressForm(request.POST or None, initial=_initial(line))
    ticket = None
    if request.method == "POST" and form.is_valid():
        try:
            ticket, _created = delivery_request_open(line=line, address=form.address())
        except InvalidInput as error:
            address_errors_show(form, error)
    context = {"line": line, "order": line.order, "form": form, "ticket": ticket}
    return render(request, TEMPLATE, context)
