"""The signed-in shopper's address book: list, add, edit, delete, and the defaults that
checkout picks first."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channels_app.address_forms import AddressForm, address_errors_show
from channels_app.current import current_customer
from shop.customers import addresses
from shop.customers.models import Address
from shop.errors import InvalidInput, NotFound


def _own(request, address_id: int) -> Address:
    """One of the shopper's addresses; another shopper's is a 404."""
    try:
        return addresses.address_get(customer=current_customer(request), address_id=address_id)
    except NotFound:
        raise Http404 from None


def _save(request, form: AddressForm, address: Address | None):
    """Creates or updates from a valid form; the service's errors go back onto the fields."""
    data = form.cleaned_data
    try:
        if address is None:
            addresses.address_create(
                customer=current_customer(request),
                data=form.address(),
                default_shipping=data["is_default_shipping"],
                default_billing=data["is_default_billing"],
            )
        else:
            addresses.address_update(
                address=address,
                data=form.address(),
                default_shipping=data["is_default_shipping"] or None,
                default_billing=data["is_default_billing"] or None,
            )
    except InvalidInput as error:
        address_errors_show(form, error)
        return None
    messages.success(request, _("Your address book is saved."))
    return redirect("storefront:addresses")


@login_required
def address_list(request):
    form = AddressForm(request.POST or None, initial={"country": "FR"})
    if request.method == "POST" and form.is_valid():
        done = _save(request, form, None)
        if done:
            return done
    book = Address.objects.filter(customer=current_customer(request))
    return render(request, "storefront/addresses.html", {"addresses": book, "form": form})


@login_required
def address_edit(request, address_id: int):
    address = _own(request, address_id)
    initial = {
        **address.as_dict(),
        "line2": address.line2,
        "is_default_shipping": address.is_default_shipping,
        "is_default_billing": address.is_default_billing,
    }
    form = AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _save(request, form, address)
        if done:
            return done
    return render(request, "storefront/address_edit.html", {"address": address, "form": form})


@login_required
@require_POST
def address_delete(request, address_id: int):
    address = _own(request, address_id)
    addresses.address_delete(address=address)
    messages.success(request, _("The address was removed."))
    return redirect("storefront:addresses")
