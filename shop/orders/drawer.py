"""The cash drawer: opened with a float, every cash payment and cash refund is booked against
it, and closing compares the counted cash with what the drawer should hold."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shop.errors import Conflict, InvalidInput
from shop.orders.models import CashDrawerSession, Payment


class DrawerConflict(Conflict):
    code = "drawer_state"
    default_message = "The till is not in a state that allows this."


def drawer_open_session(*, store) -> CashDrawerSession | None:
    return CashDrawerSession.objects.filter(store=store, closed_at__isnull=True).first()


def drawer_open(*, store, user, opening_float: Decimal) -> CashDrawerSession:
    if opening_float < 0:
        raise InvalidInput("The float cannot be negative.")
    try:
        with transaction.atomic():
            return CashDrawerSession.objects.create(
                store=store, opened_by=user, opening_float=opening_float
            )
    except IntegrityError:
        raise DrawerConflict(f"The till at {store.name} is already open.") from None


def drawer_expected_cash(session: CashDrawerSession) -> Decimal:
    cash = session.payments.filter(method=Payment.Method.CASH).aggregate(
        taken=Sum("amount", filter=Q(status=Payment.Status.CAPTURED)),
        refunded=Sum("amount", filter=Q(status=Payment.Status.REFUNDED)),
    )
    return session.opening_float + (cash["taken"] or 0) - (cash["refunded"] or 0)


@transaction.atomic
def drawer_close(*, session: CashDrawerSession, user, counted_cash: Decimal) -> CashDrawerSession:
    if counted_cash < 0:
        raise InvalidInput("Counted cash cannot be negative.")
    expected = drawer_expected_cash(session)
    closed = CashDrawerSession.objects.filter(pk=session.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(),
        closed_by=user,
        expected_cash=expected,
        counted_cash=counted_cash,
        difference=counted_cash - expected,
    )
    if not closed:
        raise DrawerConflict("This till is already closed.")
    session.refresh_from_db()
    return session
