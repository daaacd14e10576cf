"""Service requests: shoppers open and follow their own tickets, staff (clerks of any store,
and managers) answer every ticket, and the mail integration files inbound email.

Clerks see every ticket, not only their store's, as the contract says ("staff: all"): a
customer may bring a web or email request to any store. `?store=` narrows the list.
"""

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import location_by_code
from channels_app.api.idempotency import idempotent
from channels_app.api.parsers import RawEmailParser
from channels_app.api.permissions import CanReceiveEmail, IsStaffMember
from channels_app.current import current_customer
from channels_app.throttling import AnonymousThrottle, throttle
from shop.channels import Channel
from shop.customers.models import Customer
from shop.errors import InvalidInput
from shop.staff.roles import clerk_store, is_staff_member
from shop.support.inbound import email_receive
from shop.support.models import MESSAGE_LENGTH, Ticket, TicketMessage
from shop.support.selectors import (
    staff_queue,
    ticket_thread,
    ticket_visible_to,
    tickets_for_customer,
)
from shop.support.services import ticket_open, ticket_reply, ticket_set_status


class TicketMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_name")

    class Meta:
        model = TicketMessage
        fields = ["id", "at", "author", "channel", "body", "internal"]


class TicketSummarySerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    order = serializers.CharField(source="order.number", default=None)
    store = serializers.CharField(source="store.code", default=None)
    assignee = serializers.CharField(source="assignee.get_username", default=None)

    class Meta:
        model = Ticket
        fields = [
            "number",
            "status",
            "subject",
            "customer",
            "order",
            "opened_channel",
            "store",
            "assignee",
            "created_at",
            "updated_at",
        ]


class TicketSerializer(TicketSummarySerializer):
    messages = TicketMessageSerializer(many=True, source="thread")

    class Meta(TicketSummarySerializer.Meta):
        fields = [*TicketSummarySerializer.Meta.fields, "messages"]


def ticket_body(ticket: Ticket, *, include_internal: bool) -> dict:
    ticket.thread = ticket_thread(ticket=ticket, include_internal=include_internal)
    return TicketSerializer(ticket).data


def written_on(request) -> str:
    """The channel of what a request writes: the till for staff, the storefront for a
    shopper's browser session, "api" for a shopper's own API client (a token)."""
    if is_staff_member(request.user):
        return Channel.POS
    if isinstance(request.successful_authenticator, TokenAuthentication):
        return Channel.API
    return Channel.WEB


def shopper(request) -> Customer | None:
    """The signed-in shopper's customer; None for staff (who are not customers here) and
    anonymous visitors."""
    return None if is_staff_member(request.user) else current_customer(request)


class TicketListCreateApi(generics.ListAPIView):
    """Opening a ticket (anyone: a guest gives an email, staff name the customer) and the
    list of tickets (staff: all, a customer: their own)."""

    serializer_class = TicketSummarySerializer

    class TicketOpenInputSerializer(serializers.Serializer):
        subject = serializers.CharField(max_length=200)
        message = serializers.CharField(max_length=MESSAGE_LENGTH)
        order = serializers.CharField(
            required=False, allow_null=True, allow_blank=True, max_length=20
        )
        email = serializers.EmailField(required=False, help_text="anonymous shoppers")
        customer = serializers.IntegerField(
            required=False, min_value=1, help_text="staff: the customer's id"
        )

    class TicketFilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
        customer = serializers.IntegerField(required=False, min_value=1, help_text="staff")
        store = serializers.CharField(required=False, help_text="staff: a store code")
        assignee = serializers.IntegerField(required=False, min_value=1, help_text="staff")

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [throttle("ticket_open", AnonymousThrottle)()]
        return []

    def get_queryset(self):
        filters = self.TicketFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if not is_staff_member(self.request.user):
            customer = shopper(self.request)
            tickets = tickets_for_customer(customer=customer)
            return tickets.filter(status=wanted["status"]) if "status" in wanted else tickets
        return staff_queue(
            status=wanted.get("status"),
            store=location_by_code(wanted["store"]) if wanted.get("store") else None,
            assignee=wanted.get("assignee"),
            customer=wanted.get("customer"),
        )

    @extend_schema(parameters=[TicketFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=TicketOpenInputSerializer, responses={201: TicketSerializer})
    @idempotent
    def post(self, request):
        data = self.TicketOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        staff = is_staff_member(request.user)
        customer = shopper(request) if not staff else None
        if staff and "customer" in fields:
            customer = Customer.objects.filter(pk=fields["customer"]).first()
            if customer is None:
                raise InvalidInput(
                    gettext("No customer %(customer)s.") % {"customer": fields["customer"]},
                    details=["customer"],
                )
        if customer is None and not fields.get("email"):
            needed = "customer" if staff else "email"
            raise InvalidInput(
                gettext("Say whose request it is (%(needed)s).") % {"needed": needed},
                details=[needed],
            )
        ticket = ticket_open(
            customer=customer,
            email=fields.get("email", ""),
            subject=fields["subject"],
            body=fields["message"],
            channel=written_on(request),
            author=request.user if request.user.is_authenticated else None,
            order_number=fields.get("order"),
            store=clerk_store(request.user),
        )
        return Response(ticket_body(ticket, include_internal=staff), status=status.HTTP_201_CREATED)


NUMBER = OpenApiParameter("number", str, "path")


class TicketDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TicketSerializer, parameters=[NUMBER])
    def get(self, request, number: str):
        ticket = ticket_visible_to(request.user, shopper(request), number)
        return Response(TicketSerializer(ticket).data)


class TicketMessageCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class TicketMessageInputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=MESSAGE_LENGTH)
        internal = serializers.BooleanField(default=False, help_text="staff only")

    @extend_schema(
        request=TicketMessageInputSerializer,
        responses={201: TicketMessageSerializer},
        parameters=[NUMBER],
    )
    @idempotent
    def post(self, request, number: str):
        data = self.TicketMessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = ticket_visible_to(request.user, shopper(request), number, with_thread=False)
        message = ticket_reply(
            ticket=ticket,
            body=data.validated_data["body"],
            internal=data.validated_data["internal"],
            channel=written_on(request),
            author=request.user,
        )
        return Response(TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class TicketStatusApi(APIView):
    permission_classes = [IsStaffMember]

    class TicketStatusInputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Ticket.Status.choices)

    @extend_schema(
        request=TicketStatusInputSerializer, responses=TicketSerializer, parameters=[NUMBER]
    )
    def post(self, request, number: str):
        data = self.TicketStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = ticket_visible_to(request.user, None, number, with_thread=False)
        ticket = ticket_set_status(
            ticket=ticket,
            status=data.validated_data["status"],
            channel=written_on(request),
            user=request.user,
        )
        return Response(ticket_body(ticket, include_internal=True))


class InboundEmailApi(APIView):
    """One raw email (`message/rfc822`) from the mail integration → 201 the ticket it joined
    or opened, as its customer sees it. The same email posted again answers the same."""

    permission_classes = [CanReceiveEmail]
    parser_classes = [RawEmailParser]

    @extend_schema(
        request={"message/rfc822": OpenApiTypes.BINARY}, responses={201: TicketSerializer}
    )
    @idempotent
    def post(self, request):
        raw = request.data if isinstance(request.data, bytes) else b""
        received = email_receive(raw=raw)
        body = ticket_body(received.ticket, include_internal=False)
        return Response(body, status=status.HTTP_201_CREATED)
