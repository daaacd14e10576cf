"""Inbound email: a raw RFC 5322 message becomes a message of the ticket it answers, or a
new ticket.

Matching, most reliable first (only a minority of replies keep threading headers):
1. the token of the ticket's reply address (`support+<token>@...`) among the recipients;
2. `In-Reply-To`, then `References`, naming a message of a ticket;
3. a `[#T-XXXXXX]` subject tag, if the sender is that ticket's customer;
else a new ticket on the email channel for the sender. An answer to a closed ticket opens a
follow-up ticket for the same customer and order. A Message-ID already stored is the same
email delivered again: nothing is added.
"""

import email
import email.errors
import email.policy
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext

from shop.channels import Channel
from shop.support.emails import REPLY_LOCAL_PART
from shop.support.errors import InvalidEmail, TicketStatusConflict
from shop.support.models import Ticket, TicketMessage
from shop.support.services import ticket_open, ticket_reply

#: Where the address the email was sent to can be: the delivery headers that mail servers
#: add (they name the reply address even when it was a Bcc), then the visible ones.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
TOKEN = re.compile(rf"^{re.escape(REPLY_LOCAL_PART)}\+([0-9a-f]+)@", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
SUBJECT_TAG = re.compile(r"\[#(T-[0-9A-Z]{6})\]", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^(\s*(re|fwd?|aw|tr)\s*:\s*)+", re.IGNORECASE)
ATTRIBUTION = re.compile(r"^(on|le) .+(wrote|a écrit)\s*:$", re.IGNORECASE)
#: Longest text kept of one email; the rest is cut.
BODY_LENGTH = 100_000
MESSAGE_ID_LENGTH = TicketMessage._meta.get_field("message_id").max_length
#: What the standard library's parser is known to raise on broken input.
PARSE_ERRORS = (
    email.errors.MessageError,
    ValueError,
    TypeError,
    IndexError,
    LookupError,
    AttributeError,
    UnicodeError,
)


@dataclass(frozen=True)
class InboundEmail:
    sender: str
    sender_name: str
    subject: str
    body: str
    #: Empty when the email has none (then a second delivery cannot be recognised).
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Received:
    ticket: Ticket
    message: TicketMessage
    #: False when this email (its Message-ID) had been received before.
    created: bool


def email_parse(raw: bytes) -> InboundEmail:
    """Reads what a ticket needs from a raw message; `InvalidEmail` when it has no sender,
    no text or is not an email at all."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise InvalidEmail(gettext("The email is empty."))
    try:
        message = email.message_from_bytes(bytes(raw), policy=email.policy.default)
        sender_name, sender = _sender(message)
        return InboundEmail(
            sender=sender,
            sender_name=sender_name,
            subject=" ".join(str(message.get("Subject", "")).split()),
            body=_body(message),
            message_id=_message_id(str(message.get("Message-ID", ""))),
            in_reply_to=tuple(MESSAGE_ID.findall(str(message.get("In-Reply-To", "")))),
            references=tuple(MESSAGE_ID.findall(str(message.get("References", "")))),
            recipients=_recipients(message),
        )
    except PARSE_ERRORS as exc:
        raise InvalidEmail(
            gettext("The email could not be read."), details=[str(exc)[:200]]
        ) from exc


def _sender(message: EmailMessage) -> tuple[str, str]:
    name, address = parseaddr(str(message.get("From", "")))
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidEmail(
            gettext("The email has no valid sender (From)."), details=["from"]
        ) from None
    if address.lower() == parseaddr(settings.SUPPORT_FROM_EMAIL)[1].lower():
        raise InvalidEmail(
            gettext("The email comes from the support address itself."), details=["from"]
        )
    return name, address


def _message_id(value: str) -> str:
    found = MESSAGE_ID.search(value)
    if found:
        value = found.group()
    else:
        value = value.strip()
        if not value or any(ch.isspace() for ch in value):
            return ""
        value = f"<{value}>"
    return value if len(value) <= MESSAGE_ID_LENGTH else ""


def _recipients(message: EmailMessage) -> tuple[str, ...]:
    values = [str(v) for name in RECIPIENT_HEADERS for v in message.get_all(name) or []]
    return tuple(address.lower() for _, address in getaddresses(values) if address)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise InvalidEmail(gettext("The email has no text."), details=["body"])
    try:
        text = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if not isinstance(text, str):
        raise InvalidEmail(gettext("The email has no text."), details=["body"])
    if part.get_content_subtype() == "html":
        text = _html_text(text)
    text = _without_quoted_reply(text.replace("\r\n", "\n")).strip()
    if not text:
        raise InvalidEmail(gettext("The email has no text."), details=["body"])
    return text[:BODY_LENGTH]


def _html_text(markup: str) -> str:
    """Text of an HTML part, simply: no scripts or styles, a line break per block."""
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6])\s*>", "\n", markup)
    text = html.unescape(strip_tags(markup))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _without_quoted_reply(text: str) -> str:
    """Drops the quote of our previous message that mail programs put under an answer
    (the trailing `>` lines and the "On ... wrote:" line above them). An email that is all
    quote keeps it."""
    lines = text.split("\n")
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    if end == len(lines):
        return text
    if end and ATTRIBUTION.match(lines[end - 1].strip()):
        end -= 1
    kept = "\n".join(lines[:end]).strip()
    return kept or text


def _by_token(mail: InboundEmail) -> Ticket | None:
    tokens = [m.group(1).lower() for a in mail.recipients if (m := TOKEN.match(a))]
    return Ticket.objects.filter(reply_token__in=tokens).first() if tokens else None


def _by_thread(mail: InboundEmail) -> Ticket | None:
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    if not ids:
        return None
    known = dict(
        TicketMessage.objects.filter(message_id__in=ids).values_list("message_id", "ticket_id")
    )
    ticket_id = next((known[i] for i in ids if i in known), None)
    return Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None


def _by_subject_tag(mail: InboundEmail) -> Ticket | None:
    tag = SUBJECT_TAG.search(mail.subject)
    if tag is None:
        return None
    return Ticket.objects.filter(
        number=tag.group(1).upper(), customer__email__iexact=mail.sender
    ).first()


def ticket_for_email(mail: InboundEmail) -> Ticket | None:
    """The ticket an email answers, by the rules above, most reliable first."""
    for match in (_by_token, _by_thread, _by_subject_tag):
        ticket = match(mail)
        if ticket is not None:
            return ticket
    return None


def _open(mail: InboundEmail, *, follows: Ticket | None) -> Received:
    subject = REPLY_PREFIX.sub("", mail.subject) or "(no subject)"
    ticket = ticket_open(
        customer=follows.customer if follows else None,
        email=mail.sender,
        name=mail.sender_name,
        subject=follows.subject if follows else subject,
        body=mail.body,
        channel=Channel.EMAIL,
        author_email=mail.sender,
        order_number=follows.order.number if follows and follows.order else None,
        store=follows.store if follows else None,
        message_id=mail.message_id,
    )
    return Received(ticket=ticket, message=ticket.messages.get(), created=True)


def _file(mail: InboundEmail) -> Received:
    ticket = ticket_for_email(mail)
    if ticket is None:
        return _open(mail, follows=None)
    try:
        message = ticket_reply(
            ticket=ticket,
            body=mail.body,
            channel=Channel.EMAIL,
            author_email=mail.sender,
            message_id=mail.message_id,
        )
    except TicketStatusConflict:  # closed: the answer starts a follow-up
        return _open(mail, follows=ticket)
    return Received(ticket=ticket, message=message, created=True)


def _received_before(message_id: str) -> Received | None:
    if not message_id:
        return None
    message = TicketMessage.objects.select_related("ticket").filter(message_id=message_id).first()
    return None if message is None else Received(message.ticket, message, created=False)


def email_receive(*, raw: bytes) -> Received:
    """Files one raw email (from the API or a mail server's pipe) on its ticket. The same
    Message-ID twice is one message, even when both deliveries arrive at once: the second
    insert fails on the unique Message-ID, its work is rolled back, and it answers with the
    first."""
    mail = email_parse(raw)
    if known := _received_before(mail.message_id):
        return known
    try:
        with transaction.atomic():
            return _file(mail)
    except IntegrityError:
        if known := _received_before(mail.message_id):
            return known
        raise
