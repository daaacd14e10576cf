"""What each timeline event means, in words: one summariser per kind turns the event's payload
into a sentence and the thing it is about (`Subject`).

Pages, the API and the till read events only through `event_summary`, never their payloads,
so what a payload holds can change in one place. Summarisers read nothing but the payload
(no query): a timeline page costs the same whatever its events are. A payload missing a key
(an event written before the key existed) still reads as a sentence.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from shop.customers.models import CustomerEvent

Kind = CustomerEvent.Kind


@dataclass(frozen=True)
class Subject:
    """What an event is about, by the identifier the API uses for it: an order or ticket
    number, a product slug, an SKU, a customer or cart id."""

    type: str
    id: str

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id}


@dataclass(frozen=True)
class Summary:
    sentence: str
    subject: Subject | None = None


Summariser = Callable[[dict[str, Any]], Summary]
_SUMMARISERS: dict[str, Summariser] = {}


def summarises(*kinds: str) -> Callable[[Summariser], Summariser]:
    def register(fn: Summariser) -> Summariser:
        for kind in kinds:
            _SUMMARISERS[kind] = fn
        return fn

    return register


def summarised_kinds() -> frozenset[str]:
    return frozenset(_SUMMARISERS)


def event_summary(event: CustomerEvent) -> Summary:
    """The sentence and subject of one event (the kind's label when its payload is unusable)."""
    summarise = _SUMMARISERS.get(event.kind)
    if summarise is not None:
        try:
            return summarise(event.payload if isinstance(event.payload, dict) else {})
        except (KeyError, TypeError, ValueError, InvalidOperation):
            pass
    return Summary(event.get_kind_display())


# --- helpers ------------------------------------------------------------------------------------


def _money(amount: Any, currency: str | None = None) -> str:
    """ "19.9" → "19.90 EUR" (the shop currency unless given)."""
    return f"{Decimal(str(amount)):.2f} {currency or settings.SHOP_CURRENCY}"


def _order(payload: dict) -> Subject | None:
    number = payload.get("order")
    return Subject("order", str(number)) if number else None


def _ticket(payload: dict) -> Subject | None:
    number = payload.get("ticket")
    return Subject("ticket", str(number)) if number else None


def _units(quantity: Any) -> str:
    quantity = int(quantity)
    return f"{quantity} unit" if quantity == 1 else f"{quantity} units"


def _item(payload: dict) -> str:
    return payload.get("name") or payload.get("sku") or "an item"


def _order_name(payload: dict) -> str:
    return f"order {payload['order']}" if payload.get("order") else "an order"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _status_label(status: Any) -> str:
    return str(status).replace("_", " ") if status else ""


FULFILMENTS = {"delivery": "delivery", "collect": "click and collect", "in_store": "in store"}


# --- browsing and the cart ----------------------------------------------------------------------


@summarises(Kind.PRODUCT_VIEWED)
def _product_viewed(payload: dict) -> Summary:
    slug = payload.get("product")
    name = payload.get("name") or slug or "a product"
    return Summary(f"Viewed {name}", Subject("product", str(slug)) if slug else None)


def _variant(payload: dict) -> Subject | None:
    return Subject("variant", str(payload["sku"])) if payload.get("sku") else None


@summarises(Kind.CART_LINE_ADDED)
def _cart_line_added(payload: dict) -> Summary:
    return Summary(
        f"Added {_units(payload.get('quantity', 1))} of {_item(payload)} to the cart",
        _variant(payload),
    )


@summarises(Kind.CART_LINE_UPDATED)
def _cart_line_updated(payload: dict) -> Summary:
    before = payload.get("previous")
    change = f" from {int(before)}" if before is not None else ""
    return Summary(
        f"Changed {_item(payload)} in the cart{change} to {int(payload.get('quantity', 0))}",
        _variant(payload),
    )


@summarises(Kind.CART_LINE_REMOVED)
def _cart_line_removed(payload: dict) -> Summary:
    return Summary(f"Removed {_item(payload)} from the cart", _variant(payload))


@summarises(Kind.CHECKOUT_STARTED)
def _checkout_started(payload: dict) -> Summary:
    details = []
    if payload.get("fulfilment") in FULFILMENTS:
        details.append(FULFILMENTS[payload["fulfilment"]])
    if payload.get("lines"):
        lines = int(payload["lines"])
        details.append(f"{lines} line" if lines == 1 else f"{lines} lines")
    extra = f" ({', '.join(details)})" if details else ""
    cart = payload.get("cart")
    return Summary(f"Started a checkout{extra}", Subject("cart", str(cart)) if cart else None)


# --- orders, pickups, returns and money ----------------------------------------------------------


@summarises(Kind.ORDER_PLACED)
def _order_placed(payload: dict) -> Summary:
    details = []
    if payload.get("total") is not None:
        details.append(_money(payload["total"]))
    if payload.get("fulfilment") in FULFILMENTS:
        details.append(FULFILMENTS[payload["fulfilment"]])
    extra = f" ({', '.join(details)})" if details else ""
    return Summary(f"Placed {_order_name(payload)}{extra}", _order(payload))


@summarises(Kind.POS_SALE)
def _pos_sale(payload: dict) -> Summary:
    total = f" for {_money(payload['total'])}" if payload.get("total") is not None else ""
    return Summary(f"Bought in store{total} ({_order_name(payload)})", _order(payload))


def _order_moved(sentence: str) -> Summariser:
    def summarise(payload: dict) -> Summary:
        return Summary(sentence.format(order=_first_upper(_order_name(payload))), _order(payload))

    return summarise


for _kind, _sentence in (
    (Kind.PICKUP_READY, "{order} is ready for pickup"),
    (Kind.PICKUP_COLLECTED, "{order} was collected"),
    (Kind.PICKUP_EXPIRED, "{order} was not collected in time and expired"),
    (Kind.ORDER_CANCELLED, "{order} was cancelled"),
):
    summarises(_kind)(_order_moved(_sentence))


@summarises(Kind.ORDER_SHIPPED)
def _order_shipped(payload: dict) -> Summary:
    sentence = f"{_first_upper(_order_name(payload))} was shipped"
    if payload.get("carrier"):
        sentence += f" with {payload['carrier']}"
    if payload.get("tracking_number"):
        sentence += f", tracking number {payload['tracking_number']}"
    if payload.get("tracking_url"):
        sentence += f" ({payload['tracking_url']})"
    return Summary(sentence, _order(payload))


@summarises(Kind.ORDER_RETURNED)
def _order_returned(payload: dict) -> Summary:
    units = sum(int(line.get("quantity", 0)) for line in payload.get("lines") or [])
    what = f"{_units(units)} of {_order_name(payload)}" if units else _order_name(payload)
    refund = f", {_money(payload['refund'])} to refund" if payload.get("refund") else ""
    return Summary(f"Returned {what}{refund}", _order(payload))


NOT_FOUND_OUTCOMES = {
    "here": "another unit was taken",
    "transfer": "it comes from {source}",
    "line_cancelled": "it was cancelled",
    "order_cancelled": "the order was cancelled",
}


@summarises(Kind.PICK_NOT_FOUND)
def _pick_not_found(payload: dict) -> Summary:
    outcome = NOT_FOUND_OUTCOMES.get(payload.get("outcome", ""), "")
    outcome = outcome.format(source=payload.get("source") or "another location")
    then = f": {outcome}" if outcome else ""
    return Summary(
        f"{_item(payload)} of {_order_name(payload)} was not found when picking{then}",
        _order(payload),
    )


REFUND_METHODS = {
    "card": "to the card",
    "cash": "in cash",
    "gift_card": "to the gift card",
    "store_credit": "to store credit",
}


@summarises(Kind.REFUND)
def _refund(payload: dict) -> Summary:
    how = REFUND_METHODS.get(payload.get("method", ""), "")
    sentence = "Refund"
    if payload.get("amount") is not None:
        sentence += f" of {_money(payload['amount'], payload.get('currency'))}"
    sentence += f" {how}" if how else ""
    sentence += f" for {_order_name(payload)}"
    if payload.get("status") == "pending":
        sentence += " (on its way)"
    return Summary(sentence, _order(payload))


def _stored_value_name(payload: dict) -> str:
    if payload.get("account") == "store_credit":
        return "store credit"
    last4 = payload.get("last4")
    return f"gift card …{last4}" if last4 else "a gift card"


@summarises(Kind.STORED_VALUE_ISSUED)
def _stored_value_issued(payload: dict) -> Summary:
    amount = f" of {_money(payload['amount'], payload.get('currency'))}"
    sentence = f"{_first_upper(_stored_value_name(payload))}{amount} issued"
    if payload.get("order"):
        sentence += f" (bought with {_order_name(payload)})"
    return Summary(sentence, _order(payload))


@summarises(Kind.STORED_VALUE_REDEEMED)
def _stored_value_redeemed(payload: dict) -> Summary:
    amount = _money(payload["amount"], payload.get("currency"))
    sentence = f"Paid {amount} with {_stored_value_name(payload)}"
    if payload.get("order"):
        sentence += f" for {_order_name(payload)}"
    return Summary(sentence, _order(payload))


# --- cart reminders -----------------------------------------------------------------------------


@summarises(Kind.REMINDER_CLICKED)
def _reminder_clicked(payload: dict) -> Summary:
    cart = payload.get("cart")
    return Summary(
        "Followed the link of a cart reminder", Subject("cart", str(cart)) if cart else None
    )


@summarises(Kind.REMINDER_RECOVERED)
def _reminder_recovered(payload: dict) -> Summary:
    total = f" ({_money(payload['total'])})" if payload.get("total") is not None else ""
    return Summary(f"Placed {_order_name(payload)}{total} after a cart reminder", _order(payload))


# --- messages ------------------------------------------------------------------------------------


@summarises(Kind.EMAIL_SENT)
def _email_sent(payload: dict) -> Summary:
    subject = payload.get("subject")
    sentence = f"Email sent: “{subject}”" if subject else "Email sent"
    return Summary(sentence, _order(payload) or _ticket(payload))


def _ticket_name(payload: dict) -> str:
    number = payload.get("ticket")
    return f"service request {number}" if number else "a service request"


@summarises(Kind.TICKET_OPENED)
def _ticket_opened(payload: dict) -> Summary:
    subject = payload.get("subject")
    about = f": {subject}" if subject else ""
    return Summary(f"Opened {_ticket_name(payload)}{about}", _ticket(payload))


@summarises(Kind.TICKET_MESSAGE)
def _ticket_message(payload: dict) -> Summary:
    who = "Staff replied on" if payload.get("staff") else "Wrote on"
    return Summary(f"{who} {_ticket_name(payload)}", _ticket(payload))


@summarises(Kind.TICKET_NOTE)
def _ticket_note(payload: dict) -> Summary:
    return Summary(f"Internal note on {_ticket_name(payload)}", _ticket(payload))


@summarises(Kind.TICKET_STATUS)
def _ticket_status(payload: dict) -> Summary:
    status = _status_label(payload.get("status"))
    change = f"is now {status}" if status else "changed status"
    return Summary(f"{_first_upper(_ticket_name(payload))} {change}", _ticket(payload))


# --- the customer ---------------------------------------------------------------------------------


@summarises(Kind.SIGNED_UP)
def _signed_up(payload: dict) -> Summary:
    return Summary("Created an account")


@summarises(Kind.CUSTOMERS_MERGED)
def _customers_merged(payload: dict) -> Summary:
    merged = payload.get("email") or payload.get("name")
    if not merged:
        merged = f"customer #{payload['from']}" if payload.get("from") else "another customer"
    moved = []
    for key, label in (("orders", "order"), ("tickets", "service request"), ("events", "event")):
        count = int(payload.get(key) or 0)
        if count:
            moved.append(f"{count} {label}" + ("" if count == 1 else "s"))
    extra = f" ({', '.join(moved)} moved over)" if moved else ""
    return Summary(f"Merged with {merged}{extra}", None)
