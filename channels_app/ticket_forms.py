"""Forms of the service-request pages, the shopper's and the clerk's: they parse and type the
input; `shop.support.services` decides the rest."""

import uuid
from collections.abc import Iterable

from django import forms

from channels_app.formatting import format_money
from shop.orders.models import Order
from shop.support.models import MESSAGE_LENGTH, Ticket

SUBJECT_LENGTH = Ticket._meta.get_field("subject").max_length


#: How a shopper and a clerk read where an order was placed.
WHERE = {"web": "Online", "pos": "In store"}


def order_label(order: Order) -> str:
    where = WHERE.get(order.channel) or order.get_channel_display()
    return (
        f"{order.number} · {order.created_at:%d %b %Y} · {where} · "
        f"{format_money(order.total, order.currency)}"
    )


class TicketMessageForm(forms.Form):
    """A message of a thread. The form carries a key made when it is shown (a fresh one each
    time), so a double submit writes (and emails) the message once."""

    idempotency_key = forms.CharField(
        max_length=255, widget=forms.HiddenInput, initial=lambda: str(uuid.uuid4())
    )
    body = forms.CharField(
        label="Message",
        max_length=MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write a message."},
    )


class TicketOpenForm(TicketMessageForm):
    """A new request: a subject, the first message, and optionally one of the customer's
    orders (`orders`, newest first)."""

    field_order = ["subject", "order", "body"]

    subject = forms.CharField(
        max_length=SUBJECT_LENGTH, error_messages={"required": "Give the request a subject."}
    )
    order = forms.ChoiceField(label="About an order (optional)", required=False)

    def __init__(self, *args, orders: Iterable[Order] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if "order" in self.fields:
            self.fields["order"].choices = [("", "No particular order")] + [
                (order.number, order_label(order)) for order in orders
            ]


class ContactForm(TicketOpenForm):
    """A request from a shopper who is not signed in: replies go to their email."""

    field_order = ["email", "subject", "body"]

    email = forms.EmailField(
        label="Your email", max_length=254, help_text="We answer you at this address."
    )
    order = None


class StaffMessageForm(TicketMessageForm):
    """A clerk's message: a reply the customer reads (and is emailed), or an internal note."""

    REPLY, NOTE = "reply", "note"

    kind = forms.ChoiceField(choices=[(REPLY, "Reply to the customer"), (NOTE, "Internal note")])

    @property
    def internal(self) -> bool:
        return self.cleaned_data["kind"] == self.NOTE


class TicketStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Ticket.Status.choices)
