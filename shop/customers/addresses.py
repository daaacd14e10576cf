"""The address book of a signed-in customer: every write checks the address (country and
postal code format) and keeps at most one default shipping and one default billing address."""

from django.db import transaction
from django.utils.translation import gettext as _

from shop.customers.address_rules import address_clean
from shop.customers.models import Address, Customer
from shop.errors import InvalidInput, NotFound

FIELDS = ("name", "line1", "line2", "postcode", "city", "country")


def address_validate(address: dict) -> dict:
    """The address normalised, or `InvalidInput` naming the fields that are wrong."""
    cleaned, errors = address_clean(address)
    if errors:
        message = " ".join(f"{field}: {text}" for field, text in errors.items())
        raise InvalidInput(message, details=sorted(errors))
    return cleaned


def _defaults_take(address: Address) -> None:
    others = Address.objects.filter(customer_id=address.customer_id).exclude(pk=address.pk)
    if address.is_default_shipping:
        others.filter(is_default_shipping=True).update(is_default_shipping=False)
    if address.is_default_billing:
        others.filter(is_default_billing=True).update(is_default_billing=False)


@transaction.atomic
def address_create(
    *,
    customer: Customer,
    data: dict,
    default_shipping: bool = False,
    default_billing: bool = False,
) -> Address:
    """Adds an address to the book; the first one becomes both defaults."""
    cleaned = address_validate(data)
    first = not Address.objects.filter(customer=customer).exists()
    address = Address(
        customer=customer,
        is_default_shipping=default_shipping or first,
        is_default_billing=default_billing or first,
        **cleaned,
    )
    _defaults_take(address)
    address.save()
    return address


def address_get(*, customer: Customer, address_id: int) -> Address:
    """One of the customer's addresses; another customer's is `NotFound`."""
    address = Address.objects.filter(customer=customer, pk=address_id).first()
    if address is None:
        raise NotFound(_("No such address in your address book."))
    return address


@transaction.atomic
def address_update(
    *,
    address: Address,
    data: dict,
    default_shipping: bool | None = None,
    default_billing: bool | None = None,
) -> Address:
    """Changes the fields given in `data` (the others stay) and, when given, the defaults."""
    merged = {field: data.get(field, getattr(address, field)) for field in FIELDS}
    cleaned = address_validate(merged)
    for field in FIELDS:
        setattr(address, field, cleaned.get(field, ""))
    if default_shipping is not None:
        address.is_default_shipping = default_shipping
    if default_billing is not None:
        address.is_default_billing = default_billing
    _defaults_take(address)
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Removes the address; a default it was passes to the newest address left."""
    customer_id = address.customer_id
    was_shipping, was_billing = address.is_default_shipping, address.is_default_billing
    address.delete()
    newest = Address.objects.filter(customer_id=customer_id).order_by("-id").first()
    if newest is not None and (was_shipping or was_billing):
        newest.is_default_shipping = newest.is_default_shipping or was_shipping
        newest.is_default_billing = newest.is_default_billing or was_billing
        newest.save(update_fields=["is_default_shipping", "is_default_billing"])
