"""The email of a staff member's reply, through the outbox.

It carries what brings the customer's answer back to the same ticket: a Reply-To address with
the ticket's secret token, a Message-ID with In-Reply-To/References of the thread (for mail
programs that keep them), and the `[#T-XXXXXX]` tag in the subject (for those that keep
nothing else).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from shop.customers.language import customer_language
from shop.outbox.email import email_enqueue
from shop.support.models import Ticket, TicketMessage

#: The part of the reply address before `+token`.
REPLY_LOCAL_PART = "support"
#: References kept from the thread's start and end: a long thread must not make the header
#: unbounded (RFC 5322 3.6.4 allows trimming the middle).
REFERENCES_KEPT = 10


def reply_address(ticket: Ticket) -> str:
    return f"{REPLY_LOCAL_PART}+{ticket.reply_token}@{settings.SUPPORT_REPLY_DOMAIN}"


def subject_tag(ticket: Ticket) -> str:
    return f"[#{ticket.number}]"


def _thread_ids(ticket: Ticket, *, before: TicketMessage) -> list[str]:
    return list(
        ticket.messages.filter(internal=False, pk__lt=before.pk)
        .exclude(message_id="")
        .order_by("at", "id")
        .values_list("message_id", flat=True)
    )


def _in_customer_language(ticket: Ticket, template: str, context: dict) -> str:
    """The email's text in the customer's saved language (the shop's default otherwise)."""
    with translation.override(customer_language(ticket.customer)):
        return render_to_string(template, context)


def reply_email_enqueue(*, ticket: Ticket, message: TicketMessage) -> bool:
    """Queues the email of `message` (a staff reply that has its Message-ID) to the ticket's
    customer, once. False when the customer has no email address."""
    to = ticket.customer.email
    if not to:
        return False
    headers = {
        "From": settings.SUPPORT_FROM_EMAIL,
        "Reply-To": reply_address(ticket),
        "Message-ID": message.message_id,
    }
    thread = _thread_ids(ticket, before=message)
    if thread:
        if len(thread) > REFERENCES_KEPT:
            thread = thread[:1] + thread[1 - REFERENCES_KEPT :]
        headers["In-Reply-To"] = thread[-1]
        headers["References"] = " ".join(thread)
    context = {"ticket": ticket, "message": message, "shop_name": settings.SHOP_NAME}
    email_enqueue(
        key=f"ticket-message:{message.pk}",
        to=[to],
        subject=f"{subject_tag(ticket)} {ticket.subject}",
        body=_in_customer_language(ticket, "emails/ticket_reply.txt", context),
        headers=headers,
        customer_id=ticket.customer_id,
        about={"ticket": ticket.number},
    )
    return True
