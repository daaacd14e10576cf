from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from shop.channels import Channel
from shop.customers.errors import CustomerNotFound, InvalidMerge, MergeConflict
from shop.customers.models import Customer, CustomerEvent, email_is
from shop.customers.product_views import product_views_flush
from shop.customers.signals import customer_merging
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
        raise InvalidInput(gettext("An email address is needed."))
    # INSERT ... ON CONFLICT DO NOTHING: creates it unless it exists, even under a race.
    Customer.objects.bulk_create(
        [Customer(email=email, name=name, phone=phone)], ignore_conflicts=True
    )
    return Customer.objects.with_email(email).get()


def customer_for_guest_order(*, email: str) -> Customer | None:
    """The customer an order placed without signing in belongs to: the guest customer of its
    email, created on first sight, whose history an account takes over once it verifies that
    email (`customer_link_verified_email`). None when the email is already an account's: a
    guest has not proved the address, so the order keeps the email but joins no history (one
    customer per email, so there is no second record to give it)."""
    customer = customer_get_or_create(email=email)
    return None if customer.user_id is not None else customer


def _verified_email(user) -> str:
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary").first()
    return address.email if address else ""


def customer_for_user(user) -> Customer:
    """The customer of a signed-in user, created on first use.

    Its email is set only from a verified address: an unverified sign-up must not take over
    the history of a guest who checked out with that email.
    """
    try:
        return user.customer
    except Customer.DoesNotExist:
        pass
    email = _verified_email(user)
    if email:
        return customer_link_verified_email(user=user, email=email)
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, name=name)
    except IntegrityError:  # created by a concurrent request of the same user
        return Customer.objects.get(user=user)


@transaction.atomic
def customer_link_verified_email(*, user, email: str) -> Customer:
    """Joins a user to the customer known by a verified email, so guest orders, store
    purchases and events made with that email become part of the user's history."""
    # Both rows locked in one statement, in primary-key order, so two links cannot deadlock.
    rows = list(
        Customer.objects.select_for_update().filter(email_is(email) | Q(user=user)).order_by("pk")
    )
    guest = next((c for c in rows if c.email.lower() == email.lower()), None)
    own = next((c for c in rows if c.user_id == user.pk), None)
    if guest is not None and guest.user_id not in (None, user.pk):
        # The email is another account's: keep the histories apart.
        return own or Customer.objects.create(user=user, name=user.get_full_name())
    if guest is None:
        if own is None:
            return Customer.objects.create(user=user, email=email, name=user.get_full_name())
        own.email = email
        own.save(update_fields=["email"])
        return own
    if own is not None and own.pk != guest.pk:
        customer_merge(source=own, target=guest)
    if guest.user_id is None:
        guest.user = user
        guest.save(update_fields=["user"])
    return guest


def _lock_pair(source: Customer, target: Customer) -> tuple[Customer, Customer]:
    """Both rows locked in one statement, in primary-key order (no deadlock with another
    merge of the same two), read afresh."""
    rows = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    for customer in (source, target):
        if customer.pk not in rows:
            raise CustomerNotFound(gettext("No customer %(pk)s.") % {"pk": customer.pk})
    return rows[source.pk], rows[target.pk]


@transaction.atomic
def customer_merge(
    *, source: Customer, target: Customer, channel: str = Channel.SYSTEM, user=None
) -> Customer:
    """Two customers turn out to be one person: everything of `source` moves to `target`
    (orders, timeline, and through `customer_merging` what the higher layers keep of it:
    carts, whose lines add up, and tickets), its email, phone, name and account fill what
    `target` lacks, the merge goes on the timeline, and `source` is deleted."""
    if source.pk == target.pk:
        raise InvalidMerge(gettext("A customer cannot be merged into itself."))
    source, target = _lock_pair(source, target)
    if source.user_id and target.user_id:
        raise MergeConflict(
            gettext(
                "%(source)s and %(target)s both have an account: each would lose the other's "
                "history."
            )
            % {"source": source, "target": target},
            details=[{"from": source.pk, "into": target.pk}],
        )
    product_views_flush()  # views still buffered for `source` are written, then move over
    moved = {
        "orders": source.orders.update(customer=target),
        "tickets": source.tickets.count(),  # moved by shop.support on `customer_merging`
        "events": source.events.update(customer=target),
    }
    customer_merging.send(sender=Customer, source=source, target=target)
    taken = {
        name: getattr(source, name)
        for name in ("email", "phone", "name", "user_id")
        if getattr(source, name) and not getattr(target, name)
    }
    merged = {"from": source.pk, "email": source.email, "name": source.name}
    source.delete()  # first: its email and account are unique, and now free for `target`
    for name, value in taken.items():
        setattr(target, name, value)
    if taken:
        target.save(update_fields=[name.removesuffix("_id") for name in taken])
    customer_event_record(
        customer=target,
        kind=CustomerEvent.Kind.CUSTOMERS_MERGED,
        channel=channel,
        payload={**merged, **moved, "by": user.get_username() if user else None},
    )
    return target


def customer_marketing_consent_set(*, customer: Customer, consent: bool) -> None:
    """Records the customer's answer to "may we email you offers and cart reminders?"."""
    Customer.objects.filter(pk=customer.pk).update(
        marketing_consent=consent, marketing_consent_at=timezone.now()
    )
    customer.marketing_consent = consent
