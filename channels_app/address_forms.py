"""The address book form of the shopper's account pages; `shop.customers.addresses` checks
the address itself (country, postal code format)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.customers.address_rules import ADDRESS_REQUIRED, country_choices
from shop.customers.models import Address


class AddressForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    line1 = forms.CharField(label=_("Address"), max_length=200)
    line2 = forms.CharField(label=_("Address, line 2"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    is_default_shipping = forms.BooleanField(label=_("Default delivery address"), required=False)
    is_default_billing = forms.BooleanField(label=_("Default billing address"), required=False)

    def address(self) -> dict:
        data = self.cleaned_data
        return {f: data[f] for f in ("name", "line1", "line2", "postcode", "city", "country")}


def address_errors_show(form: forms.Form, error) -> None:
    """Puts an address service's `InvalidInput` onto the fields it names (else the form)."""
    for field in error.details:
        if field in form.fields:
            form.add_error(field, error.message.split(": ", 1)[-1])
    if not form.errors:
        form.add_error(None, error.message)


def saved_or_typed_address(data: dict, customer) -> dict:
    """The customer's saved address chosen in `data["address"]` (only their own), else the
    address fields typed in `data`."""
    if data.get("address") and customer is not None:
        saved = Address.objects.filter(customer=customer, pk=data["address"]).first()
        if saved is not None:
            return saved.as_dict()
    return {f: str(data.get(f) or "").strip() for f in ADDRESS_REQUIRED}
