"""Appending to the sales journal, inside the transaction of the sale, return, refund or void
itself.

Each append locks its chain's row (one conditional UPDATE that also takes the next number), so
sales of one store are numbered one after the other and a rolled-back sale gives its number
back with everything else. Lock order: callers append after the drawer session (cash) and
before promotion counters and stock rows, the order of `inventory/locks.py`.
"""

from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone

from inventory.models import Location
from shop.catalog.taxes import tax_lines_of
from shop.journal.hashing import chain_hash
from shop.journal.models import WEB_CHAIN, JournalChain, JournalEntry
from shop.orders.models import Order, OrderLine, Return
from shop.orders.taxes import order_tax_lines, return_tax_lines
from shop.payments.models import Payment

Kind = JournalEntry.Kind
ZERO = Decimal("0.00")


def _chain_key(store: Location | None) -> str:
    return store.code if store is not None else WEB_CHAIN


_NEXT_NUMBER = (
    'UPDATE {table} SET last_sequence = last_sequence + 1 WHERE "key" = %s '
    "RETURNING id, last_sequence, last_hash"
)


def _next_number(store: Location | None) -> JournalChain:
    """Takes the chain's next number in one statement, which also locks its row until commit:
    the gapless counter (sales of one chain are numbered in the order they commit)."""
    sql = _NEXT_NUMBER.format(table=JournalChain._meta.db_table)
    key = _chain_key(store)
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is not None:
            return JournalChain(
                pk=row[0], key=key, store=store, last_sequence=row[1], last_hash=row[2]
            )
        # The chain's first sale: create it (unless another sale just did), then number.
        JournalChain.objects.bulk_create(
            [JournalChain(key=key, store=store)], ignore_conflicts=True
        )
    raise RuntimeError(f"No journal chain {key}.")


def order_chain_store(order: Order) -> Location | None:
    """A sale rung up in a store belongs to that store's till; every other order to the web."""
    return order.store if order.fulfilment == Order.Fulfilment.IN_STORE else None


def _neg(amount: Decimal) -> str:
    return str(-amount if amount else ZERO)


def _tax_rows(tax_lines, *, sign: int) -> list[dict]:
    flip = (lambda a: str(a)) if sign > 0 else _neg
    return [
        {"rate": str(t.rate), "net": flip(t.net), "tax": flip(t.tax), "gross": flip(t.gross)}
        for t in tax_lines
    ]


def _append(
    *,
    store: Location | None,
    kind: str,
    order: Order,
    total: Decimal,
    body: dict,
    clerk=None,
    return_record: Return | None = None,
) -> JournalEntry:
    chain = _next_number(store)
    sequence, previous = chain.last_sequence, chain.last_hash
    now = timezone.now()
    number = f"{chain.prefix}-{sequence:06d}"
    content = {
        "chain": chain.key,
        "sequence": sequence,
        "number": number,
        "kind": kind,
        "at": now.isoformat(),
        "store": store.code if store else None,
        "channel": body.pop("channel"),
        "clerk": clerk.get_username() if clerk else None,
        "order": order.number,
        "currency": order.currency,
        "total": str(total),
        **body,
    }
    digest = chain_hash(previous, content)
    entry = JournalEntry.objects.create(
        chain=chain,
        sequence=sequence,
        number=number,
        kind=kind,
        created_at=now,
        order=order,
        return_record=return_record,
        store=store,
        channel=content["channel"],
        clerk=clerk,
        total=total,
        content=content,
        previous_hash=previous,
        hash=digest,
    )
    JournalChain.objects.filter(pk=chain.pk).update(last_hash=digest)
    return entry


def _tenders(payments, *, sign: int) -> list[dict]:
    return [
        {"method": p.method, "amount": str(p.amount) if sign > 0 else _neg(p.amount)}
        for p in payments
    ]


def journal_record_sale(*, order: Order) -> JournalEntry:
    """A sale completed (till) or an order placed (web, kiosk, marketplace): its lines, VAT,
    total and tenders as they are now."""
    lines = list(order.lines.all())
    payments = order.payments.filter(
        refund_of__isnull=True,
        status__in=[Payment.Status.CAPTURED, Payment.Status.PENDING],
        return_record__isnull=True,
    ).order_by("pk")
    return _append(
        store=order_chain_store(order),
        kind=Kind.SALE,
        order=order,
        total=order.total,
        clerk=order.staff_user,
        body={
            "channel": order.channel,
            "lines": sale_lines(lines),
            "tax_lines": _tax_rows(order_tax_lines(order), sign=1),
            "tenders": _tenders(payments, sign=1),
            **sale_shipping(order),
        },
    )


def sale_shipping(order: Order) -> dict:
    """The delivery charge of a sale as the journal keeps it (also what verification
    compares): its method, price and VAT; nothing for a sale without one."""
    if not order.shipping_price:
        return {}
    return {
        "shipping": {
            "method": order.shipping_method_name,
            "price": str(order.shipping_price),
            "tax_rate": str(order.shipping_tax_rate),
            "tax": str(order.shipping_tax),
        }
    }


def sale_lines(lines) -> list[dict]:
    """The lines of a sale as the journal keeps them (also what verification compares)."""
    return [
        {
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "discount": str(line.discount),
            "total": str(line.line_total),
            "tax_rate": str(line.tax_rate),
            "tax": str(line.tax_amount),
        }
        for line in lines
    ]


def return_lines(lines) -> list[dict]:
    """The lines of a return (`ReturnLine`s with their `order_line`) as the journal keeps them."""
    return [
        {
            "sku": rl.order_line.sku,
            "quantity": rl.quantity,
            "total": _neg(rl.amount),
            "tax_rate": str(rl.tax_rate),
            "tax": _neg(rl.tax_amount),
        }
        for rl in lines
    ]


def return_shipping(record: Return) -> dict:
    """The delivery charge a return gives back as the journal keeps it (also what verification
    compares); nothing for a return that does not."""
    if not record.shipping_amount:
        return {}
    return {
        "shipping": {
            "price": _neg(record.shipping_amount),
            "tax_rate": str(record.shipping_tax_rate),
            "tax": _neg(record.shipping_tax),
        }
    }


def journal_record_return(*, record: Return) -> JournalEntry:
    """Goods brought back at a store's till: amounts negative, VAT at the rates of the sale,
    the delivery charge when the return gives it back, the refund tenders."""
    refunds = Payment.objects.filter(return_record=record).order_by("pk")
    return _append(
        store=record.store,
        kind=Kind.RETURN,
        order=record.order,
        total=-record.refund_amount,
        clerk=record.staff_user,
        return_record=record,
        body={
            "channel": record.channel,
            "lines": return_lines(record.lines.select_related("order_line").order_by("id")),
            "tax_lines": _tax_rows(return_tax_lines(record), sign=-1),
            "tenders": _tenders(refunds, sign=-1),
            "restock": record.restock,
            **return_shipping(record),
        },
    )


def journal_lock_chain(*, order: Order) -> None:
    """Takes the lock of the order's chain now (a no-op update of its row), for a transaction
    that may append to it after touching stock: the chain stays ahead of the stock rows."""
    JournalChain.objects.filter(key=_chain_key(order_chain_store(order))).update(
        last_sequence=F("last_sequence")
    )


def journal_record_line_cancel(
    *,
    order: Order,
    line: OrderLine,
    quantity: int,
    amount: Decimal,
    tax: Decimal,
    refunds,
    channel: str,
    user=None,
) -> JournalEntry | None:
    """Units of a placed order's line cancelled before hand-over (not found anywhere) and their
    money given back: a `refund` entry on the order's chain with the units, their VAT at the
    line's rate (negative) and what each tender gave back. None for an order that never
    entered the journal."""
    if not JournalEntry.objects.filter(order=order, kind=Kind.SALE).exists():
        return None
    tax_lines = tax_lines_of([(line.tax_rate, amount - tax, tax)])
    return _append(
        store=order_chain_store(order),
        kind=Kind.REFUND,
        order=order,
        total=-amount,
        clerk=user,
        body={
            "channel": channel,
            "reason": "line_cancelled",
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": quantity,
                    "total": _neg(amount),
                    "tax_rate": str(line.tax_rate),
                    "tax": _neg(tax),
                }
            ],
            "tax_lines": _tax_rows(tax_lines, sign=-1),
            "tenders": [
                {
                    "method": r.method,
                    "amount": _neg(r.amount),
                    **({"elsewhere": True} if r.elsewhere else {}),
                }
                for r in refunds
            ],
        },
    )


def journal_record_void(*, order: Order, channel: str, user=None) -> JournalEntry | None:
    """A placed order cancelled or expired before it was handed over: the reverse of its sale
    entry, less what refund entries gave back of it already (a line cancelled earlier), per
    VAT rate and per tender. None when the order never entered the journal."""
    entries = list(
        JournalEntry.objects.filter(order=order, kind__in=[Kind.SALE, Kind.REFUND]).order_by(
            "chain_id", "sequence"
        )
    )
    sale = next((e for e in entries if e.kind == Kind.SALE), None)
    if sale is None:
        return None
    rates: dict[str, list[Decimal]] = {}
    tenders: dict[str, Decimal] = {}
    for entry in entries:
        for row in entry.content["tax_lines"]:
            sums = rates.setdefault(row["rate"], [ZERO, ZERO, ZERO])
            for i, key in enumerate(("net", "tax", "gross")):
                sums[i] += Decimal(row[key])
        for tender in entry.content["tenders"]:
            tenders[tender["method"]] = tenders.get(tender["method"], ZERO) + Decimal(
                tender["amount"]
            )
    body = {
        "channel": channel,
        "voids": sale.number,
        "tax_lines": [
            {"rate": rate, "net": _neg(n), "tax": _neg(t), "gross": _neg(g)}
            for rate, (n, t, g) in rates.items()
        ],
        "tenders": [
            {"method": method, "amount": _neg(amount)} for method, amount in tenders.items()
        ],
    }
    refunded = [e.number for e in entries if e.kind == Kind.REFUND]
    if refunded:
        body["after"] = refunded
    return _append(
        store=sale.store,
        kind=Kind.VOID,
        order=order,
        total=-sum((e.total for e in entries), ZERO),
        clerk=user,
        body=body,
    )
