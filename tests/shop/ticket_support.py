"""Raw emails and tickets made the way the channels make them, for the support tests."""

from email.message import EmailMessage
from email.utils import make_msgid

from shop.channels import Channel
from shop.support.emails import reply_address
from shop.support.inbound import email_receive
from shop.support.models import Ticket
from shop.support.services import ticket_open


def raw_email(
    *,
    sender: str = "Ann Example <ann@example.com>",
    to: str = "support@omnistore.local",
    subject: str = "Where is my parcel?",
    body: str = "It has not arrived yet.",
    message_id: str | None = None,
    html: str | None = None,
    **headers: str,
) -> bytes:
    """An email as a mail server would hand it over. Extra headers by keyword, with
    underscores for dashes (`in_reply_to="<...>"`, `delivered_to="..."`)."""
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    for name, value in headers.items():
        message[name.replace("_", "-").title()] = value
    if body:
        message.set_content(body)
    if html is not None:
        if body:
            message.add_alternative(html, subtype="html")
        else:
            message.set_content(html, subtype="html")
    return message.as_bytes()


def web_ticket(customer, *, subject: str = "Broken zip", body: str = "The zip broke.") -> Ticket:
    """A ticket a signed-in shopper opened on the storefront."""
    return ticket_open(
        customer=customer,
        subject=subject,
        body=body,
        channel=Channel.WEB,
        author=customer.user,
    )


def emailed_ticket(sender: str = "ann@example.com", **fields) -> Ticket:
    """A ticket opened by an email from `sender`."""
    return email_receive(raw=raw_email(sender=sender, **fields)).ticket


def reply_to(ticket: Ticket, **fields) -> bytes:
    """The customer answering the ticket's email: sent to its reply address."""
    return raw_email(to=reply_address(ticket), **fields)
