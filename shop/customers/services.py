from typing import Any

from django.db import IntegrityError, transaction

from shop.customers.models import Customer, CustomerEvent
from shop.errors import InvalidInput


def customer_event_record(
    *,
    customer: Customer,
    kind: str,
    channel: str,
    store=None,
    payload: dict[str, Any] | None = None,
) -> CustomerEvent:
    """Appends one entry to the customer's timeline. Every channel records events here."""
    if kind not in CustomerEvent.Kind.values:
        raise ValueError(f"Unknown customer event kind {kind!r}")
    return CustomerEvent.objects.create(
        customer=customer, kind=kind, channel=channel, store=store, payload=payload or {}
    )


def customer_get_or_create(*, email: str, name: str = "", phone: str = "") -> Customer:
    """The one customer with this email (case-insensitive), created on first sight."""
    email = email.strip()
    if not email:
        raise InvalidInput("An email address is needed.")
    existing = Customer.objects.filter(email__iexact=email).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Customer.objects.create(email=email, name=name, phone=phone)
    except IntegrityError:  # created meanwhile by a concurrent request
        return Customer.objects.get(email__iexact=email)
