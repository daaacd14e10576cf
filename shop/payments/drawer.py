"""The cash drawer: opened with a float, every cash payment and cash refund is booked against
its open session, and closing compares the counted cash with what the drawer should hold.

No cash moves outside a session: `drawer_take_cash` is called by every cash payment and
refund in the same transaction, and raises `DrawerConflict` when the store's till is closed.
It raises the session's `cash_movements` in a conditional UPDATE, so the session row stays
locked until that sale commits; closing updates the same row first, so it waits for sales
committing at that moment and counts them, and a sale arriving after it finds the till shut.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from shop.errors import InvalidInput
from shop.payments.errors import DrawerClosed, DrawerConflict
from shop.payments.models import CashDrawerSession, Payment


def drawer_open_session(*, store) -> CashDrawerSession | None:
    return CashDrawerSession.objects.filter(store=store, closed_at__isnull=True).first()


def drawer_open(*, store, user, opening_float: Decimal) -> CashDrawerSession:
    if opening_float < 0:
        raise InvalidInput(gettext("The float cannot be negative."))
    try:
        with transaction.atomic():
            return CashDrawerSession.objects.create(
                store=store, opened_by=user, opening_float=opening_float
            )
    except IntegrityError:
        raise DrawerConflict(
            gettext("The till at %(name)s is already open.") % {"name": store.name}
        ) from None


def drawer_take_cash(*, store) -> CashDrawerSession:
    """The open session a cash movement at `store` belongs to, held until the caller's
    transaction ends; `DrawerConflict` when the till is closed."""
    session_id = (
        CashDrawerSession.objects.filter(store=store, closed_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    if session_id is not None:
        touched = CashDrawerSession.objects.filter(pk=session_id, closed_at__isnull=True).update(
            cash_movements=F("cash_movements") + 1
        )
        if touched:
            return CashDrawerSession(pk=session_id, store=store)
    raise DrawerClosed(
        gettext("Open the till at %(name)s before taking or giving cash.") % {"name": store.name}
    )


def drawer_cash_totals(session: CashDrawerSession) -> dict[str, Decimal]:
    """Cash sales, cash refunds and the expected cash of a session, for the till and the API."""
    cash = Payment.objects.filter(drawer_session=session, method=Payment.Method.CASH).aggregate(
        taken=Sum("amount", filter=Q(status=Payment.Status.CAPTURED)),
        refunded=Sum("amount", filter=Q(status=Payment.Status.REFUNDED)),
    )
    taken, refunded = cash["taken"] or Decimal("0.00"), cash["refunded"] or Decimal("0.00")
    return {
        "cash_sales": taken,
        "cash_refunds": refunded,
        "expected_cash": session.opening_float + taken - refunded,
    }


def drawer_expected_cash(session: CashDrawerSession) -> Decimal:
    return drawer_cash_totals(session)["expected_cash"]


@transaction.atomic
def drawer_close(*, session: CashDrawerSession, user, counted_cash: Decimal) -> CashDrawerSession:
    if counted_cash < 0:
        raise InvalidInput(gettext("Counted cash cannot be negative."))
    # Shut first: this waits for cash sales holding the row, and refuses those that follow.
    closed = CashDrawerSession.objects.filter(pk=session.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_by=user
    )
    if not closed:
        raise DrawerConflict(gettext("This till is already closed."))
    session.refresh_from_db()
    expected = drawer_expected_cash(session)
    session.expected_cash = expected
    session.counted_cash = counted_cash
    session.difference = counted_cash - expected
    session.save(update_fields=["expected_cash", "counted_cash", "difference"])
    return session
