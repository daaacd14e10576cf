"""Customer histories for the timeline tests, written in one statement whatever their length."""

from datetime import timedelta

from django.utils import timezone

from shop.customers.models import CustomerEvent


def history(
    customer,
    count: int,
    *,
    kind: str = CustomerEvent.Kind.ORDER_PLACED,
    channel: str = "web",
    store=None,
) -> list[CustomerEvent]:
    """`count` events of `kind`, a second apart and the newest last, about orders OS-000000,
    OS-000001... of 5.00 each."""
    start = timezone.now() - timedelta(seconds=count + 60)
    return CustomerEvent.objects.bulk_create(
        CustomerEvent(
            customer=customer,
            kind=kind,
            channel=channel,
            store=store,
            created_at=start + timedelta(seconds=n),
            payload={"order": f"OS-{n:06d}", "total": "5.00"},
        )
        for n in range(count)
    )
