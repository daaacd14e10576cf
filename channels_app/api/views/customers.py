"""One customer: the customer card and timeline for staff, a shopper's own timeline, and the
managers' merge of two customers who are one person."""

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from channels_app.api.fields import MoneyField
from channels_app.api.permissions import IsManager, IsStaffMember
from channels_app.api.views.carts import CartSerializer, cart_body
from channels_app.current import current_customer
from shop.channels import Channel
from shop.customers.errors import CustomerNotFound
from shop.customers.models import Customer, CustomerEvent
from shop.customers.selectors import TimelinePage, customer_overview, customer_timeline
from shop.customers.services import customer_merge
from shop.errors import PermissionDenied
from shop.staff.roles import is_staff_member

#: Timeline entries per page at most (`?limit=`).
MAX_LIMIT = 100


def customer_by_id(customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise CustomerNotFound(
            gettext("No customer %(customer_id)s.") % {"customer_id": customer_id}
        )
    return customer


class ChannelSpendSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    orders = serializers.IntegerField()
    spent = MoneyField()


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="customer.pk")
    email = serializers.CharField(source="customer.email")
    phone = serializers.CharField(source="customer.phone")
    name = serializers.CharField(source="customer.name")
    created_at = serializers.DateTimeField(source="customer.created_at")
    channels = ChannelSpendSerializer(many=True)
    cart = CartSerializer(allow_null=True)
    open_tickets = serializers.IntegerField(source="open_ticket_count")
    store_credit = MoneyField()
    currency = serializers.CharField()


def customer_body(customer: Customer) -> dict:
    overview = customer_overview(customer, orders=0, tickets=0)
    body = CustomerSerializer(
        {
            "customer": customer,
            "channels": overview.channels,
            "cart": None,
            "open_ticket_count": overview.open_ticket_count,
            "store_credit": overview.store_credit,
            "currency": settings.SHOP_CURRENCY,
        }
    ).data
    # The cart as `GET /api/cart/` shows it, priced (already serialized by `cart_body`).
    body["cart"] = cart_body(overview.cart, customer) if overview.cart is not None else None
    return body


class SubjectSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=CustomerEvent.Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    store = serializers.CharField(allow_null=True, help_text="the store's code")
    summary = serializers.CharField()
    subject = SubjectSerializer(allow_null=True)


class TimelineSerializer(serializers.Serializer):
    results = TimelineEntrySerializer(many=True, source="entries")
    next = serializers.CharField(allow_null=True, help_text="the URL of the older page")


class TimelineFilterSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, max_length=40)
    channel = serializers.CharField(required=False, max_length=20)
    cursor = serializers.CharField(required=False, max_length=200)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)


TIMELINE_PARAMETERS = [
    OpenApiParameter("kind", str, enum=CustomerEvent.Kind.values),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("cursor", str, description="from `next` of the previous page"),
    OpenApiParameter("limit", int, description=f"entries per page, at most {MAX_LIMIT}"),
]


def timeline_response(request, customer: Customer, *, include_internal: bool) -> Response:
    filters = TimelineFilterSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    wanted = filters.validated_data
    page: TimelinePage = customer_timeline(
        customer,
        kind=wanted.get("kind") or None,
        channel=wanted.get("channel") or None,
        cursor=wanted.get("cursor") or None,
        limit=wanted.get("limit", 25),
        include_internal=include_internal,
    )
    following = (
        replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        if page.next_cursor
        else None
    )
    return Response(TimelineSerializer({"entries": page.entries, "next": following}).data)


class CustomerDetailApi(APIView):
    """The customer card: identity, orders and spend per channel, the open cart, open
    service requests and store credit."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=CustomerSerializer)
    def get(self, request, customer_id: int):
        return Response(customer_body(customer_by_id(customer_id)))


class CustomerTimelineApi(APIView):
    """Everything the customer did or was done for them, on every channel, newest first;
    staff also see internal notes and merges."""

    permission_classes = [IsStaffMember]

    @extend_schema(parameters=TIMELINE_PARAMETERS, responses=TimelineSerializer)
    def get(self, request, customer_id: int):
        customer = customer_by_id(customer_id)
        return timeline_response(request, customer, include_internal=True)


class MyTimelineApi(APIView):
    """The signed-in customer's own timeline, without what only staff see."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=TIMELINE_PARAMETERS, responses=TimelineSerializer)
    def get(self, request):
        if is_staff_member(request.user):  # staff are not customers here (as for tickets)
            raise PermissionDenied(gettext("Staff members have no customer timeline."))
        return timeline_response(request, current_customer(request), include_internal=False)


class CustomerMergeApi(APIView):
    """Two customers are one person: `from` moves into `into` and is gone."""

    permission_classes = [IsManager]

    class CustomerMergeInputSerializer(serializers.Serializer):
        into = serializers.IntegerField(min_value=1, help_text="the customer that stays")

        def get_fields(self):
            fields = super().get_fields()
            # `from` is a Python keyword: the field is added by name.
            fields["from"] = serializers.IntegerField(
                min_value=1, help_text="the customer merged into it, then deleted"
            )
            return fields

    @extend_schema(request=CustomerMergeInputSerializer, responses=CustomerSerializer)
    def post(self, request):
        data = self.CustomerMergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = customer_by_id(data.validated_data["into"])
        source = customer_by_id(data.validated_data["from"])
        merged = customer_merge(
            source=source, target=target, channel=Channel.BACKOFFICE, user=request.user
        )
        return Response(customer_body(merged))
