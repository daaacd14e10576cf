from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from shop.channels import Channel

#: Where a ticket is opened and its messages written.
MESSAGE_CHANNELS = (Channel.WEB, Channel.POS, Channel.EMAIL, Channel.API)
CHANNEL_CHOICES = [(channel.value, channel.label) for channel in MESSAGE_CHANNELS]
#: Longest message a shopper or clerk types (an email may be longer: it is cut at the inbound
#: limit).
MESSAGE_LENGTH = 20_000


class Ticket(models.Model):
    """A customer's service request: one thread of messages, whichever channel wrote them."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("service request status", "Open")
        WAITING_CUSTOMER = (
            "waiting_customer",
            pgettext_lazy("service request status", "Waiting for the customer"),
        )
        RESOLVED = "resolved", pgettext_lazy("service request status", "Resolved")
        CLOSED = "closed", pgettext_lazy("service request status", "Closed")

    #: Where each status may go. Closed is final except that staff may reopen it.
    TRANSITIONS = {
        Status.OPEN: {Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED},
        Status.WAITING_CUSTOMER: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
        Status.RESOLVED: {Status.OPEN, Status.WAITING_CUSTOMER, Status.CLOSED},
        Status.CLOSED: {Status.OPEN},
    }
    #: Statuses that still need someone (staff or the customer) to act.
    ACTIVE_STATUSES = (Status.OPEN, Status.WAITING_CUSTOMER)

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    opened_channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES)
    #: The store that opened it or looks after it; empty for web and email requests.
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    #: Secret part of the reply address (`support+<token>@...`): an email sent to it joins
    #: this ticket whatever its subject or headers say.
    reply_token = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    #: The last message or status change; the staff queue is ordered by it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="ticket_queue"),
            models.Index(fields=["store", "status", "-updated_at"], name="ticket_store_queue"),
            models.Index(
                fields=["assignee", "status", "-updated_at"], name="ticket_assignee_queue"
            ),
            models.Index(fields=["customer", "-updated_at"], name="ticket_customer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reply_token"], name="ticket_unique_reply_token"),
        ]
        #: Given to the mail integration's user, whose token posts to /api/inbound-email/.
        permissions = [("receive_email", "Can file inbound email on tickets")]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class TicketMessage(models.Model):
    """One message of a ticket's thread. Internal messages are staff notes, never shown to
    the customer."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    at = models.DateTimeField(auto_now_add=True)
    #: The staff member or signed-in shopper who wrote it; empty for email and guests.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_email = models.EmailField(blank=True)
    channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES)
    body = models.TextField()
    internal = models.BooleanField(default=False)
    #: RFC 5322 Message-ID with its angle brackets (empty: none): of the email it came in as
    #: (a second delivery of the same email is the same message) or went out as (replies
    #: thread on it).
    message_id = models.CharField(max_length=998, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_message_thread")]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~models.Q(message_id=""),
                name="ticket_message_unique_message_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} message {self.pk}"

    @property
    def from_customer(self) -> bool:
        """Written by the ticket's customer (signed in, or by email), not by staff. Reads
        `ticket.customer`: load it with the thread."""
        return self.author_id is None or self.author_id == self.ticket.customer.user_id

    @property
    def author_name(self) -> str:
        """Who wrote it, as shown in the thread: the user's name, else the sender's email."""
        if self.author is not None:
            return self.author.get_full_name() or self.author.get_username()
        return self.author_email
