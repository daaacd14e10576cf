"""The click-and-collect desk: the store's collect orders by queue, the pick list, ready and
collected."""

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from channels_app.views.pos.access import ensure_at, pos_view, safe_next
from channels_app.views.pos.forms import DeskPaymentForm, first_error
from channels_app.views.pos.receipts import order_or_404
from inventory.accuracy import pick_problems
from shop.channels import Channel
from shop.errors import DomainError
from shop.orders import services as order_services
from shop.orders.models import Order
from shop.orders.not_found import order_line_not_found
from shop.orders.selectors import orders_with_lines
from shop.orders.timeline import order_timeline_read
from shop.payments.models import Payment

Status = Order.Status
#: Collected, expired and cancelled orders shown: the most recent, of the last few days (older
#: ones are found by their number).
HISTORY_SHOWN = 20
HISTORY_DAYS = 14
#: Open orders shown per page of an open queue, soonest deadline first (the pick list prints
#: the whole "to pick" queue; any order is found by its number).
OPEN_SHOWN = 40
#: Count shortfalls on held stock are shown at the desk this long.
PICK_PROBLEMS_SHOWN_FOR = timedelta(days=3)
#: What the clerk is told after "not found", by outcome.
NOT_FOUND_DONE = {
    "here": gettext_lazy("Another %(sku)s is free here: take it from stock. The customer is told."),
    "transfer": gettext_lazy("%(sku)s comes from %(source)s: the order waits until it arrives."),
    "line_cancelled": gettext_lazy(
        "%(sku)s is nowhere: the line is cancelled and %(refund)s refunded."
    ),
    "order_cancelled": gettext_lazy(
        "%(sku)s is nowhere and the customer wanted all or nothing: cancelled."
    ),
}
#: (key, title, statuses, open queue?)
QUEUES = (
    ("to_pick", gettext_lazy("To pick"), (Status.PLACED,), True),
    ("ready", gettext_lazy("Ready for pickup"), (Status.READY_FOR_PICKUP,), True),
    ("collected", gettext_lazy("Collected"), (Status.COLLECTED,), False),
    ("closed", gettext_lazy("Expired or cancelled"), (Status.EXPIRED, Status.CANCELLED), False),
)


def store_pickups(store):
    return (
        orders_with_lines()
        .filter(store=store, fulfilment=Order.Fulfilment.COLLECT)
        .exclude(status__in=Order.UNPLACED_STATUSES)
        .prefetch_related("payments")
    )


def normalise_number(text: str) -> str:
    """What a clerk types or a scanner reads: `os-7k2m9q`, `7K2M9Q` → `OS-7K2M9Q`."""
    text = text.strip().upper().replace(" ", "")
    return text if text.startswith("OS-") or not text else f"OS-{text}"


def _pickup(request, number: str) -> Order:
    order = order_or_404(normalise_number(number), store_pickups_any())
    if order.fulfilment != Order.Fulfilment.COLLECT:
        raise PermissionDenied(f"{order.number} is not a click-and-collect order.")
    ensure_at(request.user, order.store)
    return order


def store_pickups_any():
    return orders_with_lines().prefetch_related("payments")


def _decorated(orders, now):
    """Marks each order `overdue` (open past its deadline) and `to_pay` (pay at pickup still
    owed), from the prefetched payments."""
    for order in orders:
        order.overdue = bool(
            order.status in (Status.PLACED, Status.READY_FOR_PICKUP)
            and order.pickup_deadline
            and order.pickup_deadline < now
        )
        order.to_pay = sum(
            (
                p.amount
                for p in order.payments.all()
                if p.method == Payment.Method.PAY_AT_PICKUP and p.status == Payment.Status.PENDING
            ),
            Decimal("0.00"),
        )
    return orders


@require_GET
@pos_view
def pickups(request, store):
    if found := request.GET.get("find", "").strip():
        number = normalise_number(found)
        order = store_pickups(store).filter(number=number).first()
        if order is None:
            messages.error(
                request,
                gettext("No click-and-collect order %(number)s at %(store)s.")
                % {"number": number, "store": store.name},
            )
            return redirect("pos:pickups")
        return redirect("pos:pickup", number=order.number)
    now = timezone.now()
    open_statuses = [status for _, _, statuses, is_open in QUEUES if is_open for status in statuses]
    sizes = dict(  # of the open queues: the closed ones show their latest orders only
        store_pickups(store)
        .filter(status__in=open_statuses)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    queues = []
    for key, title, statuses, is_open in QUEUES:
        orders = store_pickups(store).filter(status__in=statuses)
        size = sum(sizes.get(status, 0) for status in statuses)
        page = 1
        if is_open:
            page = _page_number(request.GET.get(key), size)
            start = (page - 1) * OPEN_SHOWN
            orders = orders.order_by("pickup_deadline", "id")[start : start + OPEN_SHOWN]
        else:
            recent = orders.filter(updated_at__gte=now - timedelta(days=HISTORY_DAYS))
            orders = recent.order_by("-updated_at", "-id")[:HISTORY_SHOWN]
        orders = _decorated(list(orders), now)
        queues.append(
            {
                "key": key,
                "title": title,
                "orders": orders,
                "open": is_open,
                "size": size,
                "page": page,
                "first": (page - 1) * OPEN_SHOWN + 1,
                "last": (page - 1) * OPEN_SHOWN + len(orders),
                "next": page + 1 if is_open and page * OPEN_SHOWN < size else None,
                "previous": page - 1 if page > 1 else None,
            }
        )
    problems = pick_problems(location=store, since=now - PICK_PROBLEMS_SHOWN_FOR, limit=10)
    return render(
        request, "pos/pickups.html", {"queues": queues, "now": now, "pick_problems": problems}
    )


def _page_number(text: str | None, size: int) -> int:
    """The page asked for, within the queue's pages (anything else is the first)."""
    last = max(1, -(-size // OPEN_SHOWN))
    return min(int(text), last) if text and text.isdigit() and int(text) > 0 else 1


@require_GET
@pos_view
def pick_list(request, store):
    now = timezone.now()
    orders = _decorated(
        list(store_pickups(store).filter(status=Status.PLACED).order_by("pickup_deadline", "id")),
        now,
    )
    totals: dict[str, dict] = {}
    for order in orders:
        for line in order.lines.all():
            entry = totals.setdefault(line.sku, {"sku": line.sku, "name": line.name, "quantity": 0})
            entry["quantity"] += line.quantity
    return render(
        request,
        "pos/pick_list.html",
        {
            "orders": orders,
            "totals": sorted(totals.values(), key=lambda e: e["sku"]),
            "now": now,
        },
    )


@require_GET
@pos_view
def pickup(request, store, number: str):
    order = _pickup(request, number)
    now = timezone.now()
    [order] = _decorated([order], now)
    return render(
        request,
        "pos/pickup.html",
        {
            "order": order,
            "now": now,
            "can_pick": order.status in (Status.PLACED, Status.READY_FOR_PICKUP),
            "timeline": order_timeline_read(order),
        },
    )


@require_POST
@pos_view
def mark_not_found(request, store, number: str):
    """The clerk cannot find a line's item: the record is corrected and the line re-sourced."""
    order = _pickup(request, number)
    sku = request.POST.get("sku", "")
    try:
        outcome = order_line_not_found(
            order=order,
            sku=sku,
            channel=Channel.POS,
            user=request.user,
            shelf_empty=request.POST.get("shelf_empty") == "on",
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        source = outcome.source.name if outcome.source else ""
        done = {"sku": sku, "source": source, "refund": outcome.refund}
        messages.success(request, NOT_FOUND_DONE[outcome.kind] % done)
    return redirect("pos:pickup", number=order.number)


def _act(request, order: Order, action, done: str, **options):
    try:
        action(order=order, channel=Channel.POS, user=request.user, **options)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"number": order.number})
    return redirect(safe_next(request, "pos:pickups"))


@require_POST
@pos_view
def mark_ready(request, store, number: str):
    order = _pickup(request, number)
    return _act(
        request,
        order,
        order_services.order_mark_ready,
        gettext_lazy("%(number)s is ready: the customer is told."),
    )


@require_POST
@pos_view
def mark_collected(request, store, number: str):
    """A pay-at-pickup order is paid here: cash into the till (which must be open) or card on
    the terminal, whose reference is recorded; a gift card may pay part or all of it."""
    order = _pickup(request, number)
    form = DeskPaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(safe_next(request, "pos:pickups"))
    [order] = _decorated([order], timezone.now())
    if order.to_pay and (missing := form.rest_missing(order.to_pay)):
        messages.error(request, missing)
        return redirect(safe_next(request, "pos:pickups"))
    data = form.cleaned_data
    return _act(
        request,
        order,
        order_services.order_mark_collected,
        gettext_lazy("%(number)s was collected."),
        payment_method=data["payment_method"],
        terminal_reference=data["terminal_reference"],
        tenders=form.tenders(order.to_pay) if order.to_pay else (),
    )
