"""What each timeline event means, in words: one summariser per kind turns the event's payload
into a sentence and the thing it is about (`Subject`).

Pages, the API and the till read events only through `event_summary`, never their payloads,
so what a payload holds can change in one place. Summarisers read nothing but the payload
(no query): a timeline page costs the same whatever its events are. A payload missing a key
(an event written before the key existed) still reads as a sentence.

Sentences are made when read, in the reader's active language: each is one translatable string
with named placeholders (`"Order %(order)s was collected"`), never English fragments put end to
end, so that a translation may order its words as its language does.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from django.conf import settings
from django.utils.translation import (
    get_language,
    gettext,
    gettext_noop,
    ngettext,
    pgettext,
    to_locale,
)

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
    """ "19.9" → "19.90 EUR" in English, "19,90 EUR" in French (the shop currency unless given)."""
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    number = format_decimal(Decimal(str(amount)), format="#,##0.00", locale=locale)
    return f"{number} {currency or settings.SHOP_CURRENCY}"


def _order(payload: dict) -> Subject | None:
    number = payload.get("order")
    return Subject("order", str(number)) if number else None


def _ticket(payload: dict) -> Subject | None:
    number = payload.get("ticket")
    return Subject("ticket", str(number)) if number else None


def _item(payload: dict) -> str:
    return payload.get("name") or payload.get("sku") or gettext("an item")


def _order_name(payload: dict) -> str:
    """The order as a noun phrase, for sentences about something else (a refund, a card)."""
    if payload.get("order"):
        return gettext("order %(order)s") % {"order": payload["order"]}
    return gettext("an order")


def _about_order(payload: dict, numbered: str, unnumbered: str, **values: Any) -> str:
    """`numbered` (with the order's number as `%(order)s`) when the payload names the order,
    else `unnumbered`: two whole sentences, both translated."""
    if payload.get("order"):
        return numbered % {"order": payload["order"], **values}
    return unnumbered % values


def _about_ticket(payload: dict, numbered: str, unnumbered: str, **values: Any) -> str:
    if payload.get("ticket"):
        return numbered % {"ticket": payload["ticket"], **values}
    return unnumbered % values


def _details(*parts: str) -> str:
    """The short facts put in brackets after a sentence ("39.80 EUR, delivery")."""
    return ", ".join(part for part in parts if part)


def _fulfilment(payload: dict) -> str:
    labels = {
        "delivery": pgettext("fulfilment", "delivery"),
        "collect": pgettext("fulfilment", "click and collect"),
        "in_store": pgettext("fulfilment", "in store"),
    }
    return labels.get(payload.get("fulfilment"), "")


def _ticket_status(status: Any) -> str:
    labels = {
        "open": pgettext("service request", "open"),
        "waiting_customer": pgettext("service request", "waiting customer"),
        "resolved": pgettext("service request", "resolved"),
        "closed": pgettext("service request", "closed"),
    }
    return labels.get(status) or (str(status).replace("_", " ") if status else "")


# --- browsing and the cart ----------------------------------------------------------------------


@summarises(Kind.PRODUCT_VIEWED)
def _product_viewed(payload: dict) -> Summary:
    slug = payload.get("product")
    name = payload.get("name") or slug or gettext("a product")
    sentence = gettext("Viewed %(product)s") % {"product": name}
    return Summary(sentence, Subject("product", str(slug)) if slug else None)


def _variant(payload: dict) -> Subject | None:
    return Subject("variant", str(payload["sku"])) if payload.get("sku") else None


@summarises(Kind.CART_LINE_ADDED)
def _cart_line_added(payload: dict) -> Summary:
    count = int(payload.get("quantity", 1))
    sentence = ngettext(
        "Added %(count)s unit of %(item)s to the cart",
        "Added %(count)s units of %(item)s to the cart",
        count,
    ) % {"count": count, "item": _item(payload)}
    return Summary(sentence, _variant(payload))


@summarises(Kind.CART_LINE_UPDATED)
def _cart_line_updated(payload: dict) -> Summary:
    values = {"item": _item(payload), "after": int(payload.get("quantity", 0))}
    before = payload.get("previous")
    if before is not None:
        sentence = gettext("Changed %(item)s in the cart from %(before)s to %(after)s") % {
            **values,
            "before": int(before),
        }
    else:
        sentence = gettext("Changed %(item)s in the cart to %(after)s") % values
    return Summary(sentence, _variant(payload))


@summarises(Kind.CART_LINE_REMOVED)
def _cart_line_removed(payload: dict) -> Summary:
    sentence = gettext("Removed %(item)s from the cart") % {"item": _item(payload)}
    return Summary(sentence, _variant(payload))


@summarises(Kind.CHECKOUT_STARTED)
def _checkout_started(payload: dict) -> Summary:
    lines = ""
    if payload.get("lines"):
        count = int(payload["lines"])
        lines = ngettext("%(count)s line", "%(count)s lines", count) % {"count": count}
    details = _details(_fulfilment(payload), lines)
    if details:
        sentence = gettext("Started a checkout (%(details)s)") % {"details": details}
    else:
        sentence = gettext("Started a checkout")
    cart = payload.get("cart")
    return Summary(sentence, Subject("cart", str(cart)) if cart else None)


# --- orders, pickups, returns and money ----------------------------------------------------------


@summarises(Kind.ORDER_PLACED)
def _order_placed(payload: dict) -> Summary:
    total = _money(payload["total"]) if payload.get("total") is not None else ""
    details = _details(total, _fulfilment(payload))
    if details:
        sentence = _about_order(
            payload,
            gettext("Placed order %(order)s (%(details)s)"),
            gettext("Placed an order (%(details)s)"),
            details=details,
        )
    else:
        sentence = _about_order(
            payload, gettext("Placed order %(order)s"), gettext("Placed an order")
        )
    return Summary(sentence, _order(payload))


@summarises(Kind.POS_SALE)
def _pos_sale(payload: dict) -> Summary:
    if payload.get("total") is not None:
        sentence = _about_order(
            payload,
            gettext("Bought in store for %(amount)s (order %(order)s)"),
            gettext("Bought in store for %(amount)s"),
            amount=_money(payload["total"]),
        )
    else:
        sentence = _about_order(
            payload, gettext("Bought in store (order %(order)s)"), gettext("Bought in store")
        )
    return Summary(sentence, _order(payload))


def _order_moved(numbered: str, unnumbered: str) -> Summariser:
    """Translated when read: the strings are only marked here, at import."""

    def summarise(payload: dict) -> Summary:
        sentence = _about_order(payload, gettext(numbered), gettext(unnumbered))
        return Summary(sentence, _order(payload))

    return summarise


for _kind, _numbered, _unnumbered in (
    (
        Kind.PICKUP_READY,
        gettext_noop("Order %(order)s is ready for pickup"),
        gettext_noop("An order is ready for pickup"),
    ),
    (
        Kind.PICKUP_COLLECTED,
        gettext_noop("Order %(order)s was collected"),
        gettext_noop("An order was collected"),
    ),
    (
        Kind.PICKUP_EXPIRED,
        gettext_noop("Order %(order)s was not collected in time and expired"),
        gettext_noop("An order was not collected in time and expired"),
    ),
    (
        Kind.ORDER_CANCELLED,
        gettext_noop("Order %(order)s was cancelled"),
        gettext_noop("An order was cancelled"),
    ),
):
    summarises(_kind)(_order_moved(_numbered, _unnumbered))


@summarises(Kind.ORDER_SHIPPED)
def _order_shipped(payload: dict) -> Summary:
    if payload.get("carrier"):
        sentence = _about_order(
            payload,
            gettext("Order %(order)s was shipped with %(carrier)s"),
            gettext("An order was shipped with %(carrier)s"),
            carrier=payload["carrier"],
        )
    else:
        sentence = _about_order(
            payload, gettext("Order %(order)s was shipped"), gettext("An order was shipped")
        )
    if payload.get("tracking_number"):
        sentence = gettext("%(sentence)s, tracking number %(tracking)s") % {
            "sentence": sentence,
            "tracking": payload["tracking_number"],
        }
    if payload.get("tracking_url"):
        sentence += f" ({payload['tracking_url']})"
    return Summary(sentence, _order(payload))


@summarises(Kind.ORDER_RETURNED)
def _order_returned(payload: dict) -> Summary:
    units = sum(int(line.get("quantity", 0)) for line in payload.get("lines") or [])
    if units:
        sentence = _about_order(
            payload,
            ngettext(
                "Returned %(count)s unit of order %(order)s",
                "Returned %(count)s units of order %(order)s",
                units,
            ),
            ngettext(
                "Returned %(count)s unit of an order", "Returned %(count)s units of an order", units
            ),
            count=units,
        )
    else:
        sentence = _about_order(
            payload, gettext("Returned order %(order)s"), gettext("Returned an order")
        )
    if payload.get("refund"):
        sentence = gettext("%(sentence)s, %(amount)s to refund") % {
            "sentence": sentence,
            "amount": _money(payload["refund"]),
        }
    return Summary(sentence, _order(payload))


def _not_found_outcome(payload: dict) -> str:
    outcome = payload.get("outcome", "")
    if outcome == "here":
        return gettext("another unit was taken")
    if outcome == "transfer":
        source = payload.get("source") or gettext("another location")
        return gettext("it comes from %(source)s") % {"source": source}
    if outcome == "line_cancelled":
        return gettext("it was cancelled")
    if outcome == "order_cancelled":
        return gettext("the order was cancelled")
    return ""


@summarises(Kind.PICK_NOT_FOUND)
def _pick_not_found(payload: dict) -> Summary:
    sentence = _about_order(
        payload,
        gettext("%(item)s of order %(order)s was not found when picking"),
        gettext("%(item)s of an order was not found when picking"),
        item=_item(payload),
    )
    outcome = _not_found_outcome(payload)
    if outcome:
        sentence = gettext("%(sentence)s: %(outcome)s") % {"sentence": sentence, "outcome": outcome}
    return Summary(sentence, _order(payload))


def _refund_sentence(method: str) -> str:
    sentences = {
        "card": gettext("Refund of %(amount)s to the card for %(order)s"),
        "cash": gettext("Refund of %(amount)s in cash for %(order)s"),
        "gift_card": gettext("Refund of %(amount)s to the gift card for %(order)s"),
        "store_credit": gettext("Refund of %(amount)s to store credit for %(order)s"),
    }
    return sentences.get(method) or gettext("Refund of %(amount)s for %(order)s")


@summarises(Kind.REFUND)
def _refund(payload: dict) -> Summary:
    if payload.get("amount") is not None:
        sentence = _refund_sentence(payload.get("method", "")) % {
            "amount": _money(payload["amount"], payload.get("currency")),
            "order": _order_name(payload),
        }
    else:
        sentence = gettext("Refund for %(order)s") % {"order": _order_name(payload)}
    if payload.get("status") == "pending":
        sentence = gettext("%(sentence)s (on its way)") % {"sentence": sentence}
    return Summary(sentence, _order(payload))


@summarises(Kind.STORED_VALUE_ISSUED)
def _stored_value_issued(payload: dict) -> Summary:
    values = {"amount": _money(payload["amount"], payload.get("currency"))}
    if payload.get("account") == "store_credit":
        sentence = gettext("Store credit of %(amount)s issued") % values
    elif payload.get("last4"):
        sentence = gettext("Gift card …%(last4)s of %(amount)s issued") % {
            **values,
            "last4": payload["last4"],
        }
    else:
        sentence = gettext("A gift card of %(amount)s issued") % values
    if payload.get("order"):
        sentence = gettext("%(sentence)s (bought with %(order)s)") % {
            "sentence": sentence,
            "order": _order_name(payload),
        }
    return Summary(sentence, _order(payload))


@summarises(Kind.STORED_VALUE_REDEEMED)
def _stored_value_redeemed(payload: dict) -> Summary:
    values = {"amount": _money(payload["amount"], payload.get("currency"))}
    if payload.get("account") == "store_credit":
        sentence = gettext("Paid %(amount)s with store credit") % values
    elif payload.get("last4"):
        sentence = gettext("Paid %(amount)s with gift card …%(last4)s") % {
            **values,
            "last4": payload["last4"],
        }
    else:
        sentence = gettext("Paid %(amount)s with a gift card") % values
    if payload.get("order"):
        sentence = gettext("%(sentence)s for %(order)s") % {
            "sentence": sentence,
            "order": _order_name(payload),
        }
    return Summary(sentence, _order(payload))


# --- cart reminders -----------------------------------------------------------------------------


@summarises(Kind.REMINDER_CLICKED)
def _reminder_clicked(payload: dict) -> Summary:
    cart = payload.get("cart")
    return Summary(
        gettext("Followed the link of a cart reminder"),
        Subject("cart", str(cart)) if cart else None,
    )


@summarises(Kind.REMINDER_RECOVERED)
def _reminder_recovered(payload: dict) -> Summary:
    if payload.get("total") is not None:
        sentence = _about_order(
            payload,
            gettext("Placed order %(order)s (%(amount)s) after a cart reminder"),
            gettext("Placed an order (%(amount)s) after a cart reminder"),
            amount=_money(payload["total"]),
        )
    else:
        sentence = _about_order(
            payload,
            gettext("Placed order %(order)s after a cart reminder"),
            gettext("Placed an order after a cart reminder"),
        )
    return Summary(sentence, _order(payload))


# --- messages ------------------------------------------------------------------------------------


@summarises(Kind.EMAIL_SENT)
def _email_sent(payload: dict) -> Summary:
    subject = payload.get("subject")
    if subject:
        sentence = gettext("Email sent: “%(subject)s”") % {"subject": subject}
    else:
        sentence = gettext("Email sent")
    return Summary(sentence, _order(payload) or _ticket(payload))


@summarises(Kind.TICKET_OPENED)
def _ticket_opened(payload: dict) -> Summary:
    subject = payload.get("subject")
    if subject:
        sentence = _about_ticket(
            payload,
            gettext("Opened service request %(ticket)s: %(subject)s"),
            gettext("Opened a service request: %(subject)s"),
            subject=subject,
        )
    else:
        sentence = _about_ticket(
            payload,
            gettext("Opened service request %(ticket)s"),
            gettext("Opened a service request"),
        )
    return Summary(sentence, _ticket(payload))


@summarises(Kind.TICKET_MESSAGE)
def _ticket_message(payload: dict) -> Summary:
    if payload.get("staff"):
        sentence = _about_ticket(
            payload,
            gettext("Staff replied on service request %(ticket)s"),
            gettext("Staff replied on a service request"),
        )
    else:
        sentence = _about_ticket(
            payload,
            gettext("Wrote on service request %(ticket)s"),
            gettext("Wrote on a service request"),
        )
    return Summary(sentence, _ticket(payload))


@summarises(Kind.TICKET_NOTE)
def _ticket_note(payload: dict) -> Summary:
    sentence = _about_ticket(
        payload,
        gettext("Internal note on service request %(ticket)s"),
        gettext("Internal note on a service request"),
    )
    return Summary(sentence, _ticket(payload))


@summarises(Kind.TICKET_STATUS)
def _ticket_status_changed(payload: dict) -> Summary:
    status = _ticket_status(payload.get("status"))
    if status:
        sentence = _about_ticket(
            payload,
            gettext("Service request %(ticket)s is now %(status)s"),
            gettext("A service request is now %(status)s"),
            status=status,
        )
    else:
        sentence = _about_ticket(
            payload,
            gettext("Service request %(ticket)s changed status"),
            gettext("A service request changed status"),
        )
    return Summary(sentence, _ticket(payload))


# --- the customer ---------------------------------------------------------------------------------


@summarises(Kind.SIGNED_UP)
def _signed_up(payload: dict) -> Summary:
    return Summary(gettext("Created an account"))


def _moved(payload: dict) -> str:
    """What a merge moved over: "2 orders, 1 service request"."""
    orders, tickets, events = (int(payload.get(k) or 0) for k in ("orders", "tickets", "events"))
    parts = []
    if orders:
        parts.append(ngettext("%(count)s order", "%(count)s orders", orders) % {"count": orders})
    if tickets:
        parts.append(
            ngettext("%(count)s service request", "%(count)s service requests", tickets)
            % {"count": tickets}
        )
    if events:
        parts.append(ngettext("%(count)s event", "%(count)s events", events) % {"count": events})
    return _details(*parts)


@summarises(Kind.CUSTOMERS_MERGED)
def _customers_merged(payload: dict) -> Summary:
    other = payload.get("email") or payload.get("name")
    if not other and payload.get("from"):
        other = gettext("customer #%(id)s") % {"id": payload["from"]}
    other = other or gettext("another customer")
    moved = _moved(payload)
    if moved:
        sentence = gettext("Merged with %(customer)s (%(moved)s moved over)") % {
            "customer": other,
            "moved": moved,
        }
    else:
        sentence = gettext("Merged with %(customer)s") % {"customer": other}
    return Summary(sentence, None)
