"""Stock accuracy: cycle counts from the till, the accuracy figure, and "not found" at the desk
or the shipping queue."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import location_by_code
from channels_app.api.idempotency import idempotent
from channels_app.api.permissions import IsManager, IsStaffMember
from channels_app.api.views.orders import OrderSerializer
from channels_app.api.views.pos import order_by_number, store_in_path
from inventory.accuracy import stock_accuracy
from inventory.counts import CountedLine, stock_count_record
from shop.catalog.selectors import variants_by_sku
from shop.channels import Channel
from shop.errors import InvalidInput
from shop.orders.models import Order
from shop.orders.not_found import order_line_not_found
from shop.orders.selectors import orders_with_lines
from shop.staff.roles import clerk_store, ensure_can_act_at

#: The accuracy figure's period when none is asked for: today and the days before it.
DEFAULT_ACCURACY_DAYS = 30


class CountLineOutput(serializers.Serializer):
    sku = serializers.CharField(source="variant.sku")
    expected = serializers.IntegerField()
    counted = serializers.IntegerField()
    counted_at = serializers.DateTimeField()
    variance = serializers.IntegerField()
    adjusted = serializers.IntegerField(help_text="The signed adjustment posted for this SKU.")
    reserved_shortfall = serializers.IntegerField(
        help_text="Units held for orders that the shelf lacks: left reserved, a pick problem."
    )


class CountOutput(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.CharField(source="location.code")
    started_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    lines = CountLineOutput(many=True, source="lines.all")


class StoreCountCreateApi(APIView):
    """A cycle count of the store (clerk of the store, or a manager)."""

    permission_classes = [IsStaffMember]

    class CountInput(serializers.Serializer):
        class CountedInput(serializers.Serializer):
            sku = serializers.CharField(max_length=64)
            counted = serializers.IntegerField(min_value=0, max_value=settings.MAX_LINE_QUANTITY)
            counted_at = serializers.DateTimeField(
                required=False, help_text="When this SKU was counted; default: started_at."
            )

        started_at = serializers.DateTimeField()
        lines = CountedInput(many=True, allow_empty=False, max_length=500)

    @extend_schema(request=CountInput, responses={201: CountOutput})
    @idempotent
    def post(self, request, code: str):
        store = store_in_path(request, code)
        data = self.CountInput(data=request.data)
        data.is_valid(raise_exception=True)
        lines = data.validated_data["lines"]
        variants = variants_by_sku(skus=[line["sku"] for line in lines], active_only=False)
        count = stock_count_record(
            location=store,
            started_at=data.validated_data["started_at"],
            lines=[
                CountedLine(variants[line["sku"]], line["counted"], line.get("counted_at"))
                for line in lines
            ],
            channel=Channel.POS,
            user=request.user,
        )
        return Response(CountOutput(count).data, status=status.HTTP_201_CREATED)


def _moment(text: str | None, *, end: bool) -> datetime | None:
    """An ISO date (the whole day: `to` includes it) or date-time; None when absent."""
    if not text:
        return None
    try:
        day = parse_date(text)
        moment = None if day else parse_datetime(text)
    except ValueError:
        day = moment = None
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    if moment is None:
        raise InvalidInput(
            gettext("%(text)s is not an ISO date or date-time.") % {"text": f"{text!r}"}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class StoreAccuracyApi(APIView):
    """The store's stock accuracy over [from, to] (default: the last 30 days)."""

    permission_classes = [IsManager]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="ISO date or date-time"),
            OpenApiParameter("to", str, description="ISO date (included) or date-time"),
        ],
        responses=inline_serializer(
            "StoreAccuracy",
            {
                "store": serializers.CharField(),
                "from": serializers.DateTimeField(),
                "to": serializers.DateTimeField(),
                "counts": serializers.IntegerField(),
                "counted_skus": serializers.IntegerField(),
                "matched": serializers.IntegerField(),
                "matched_share": serializers.DecimalField(
                    max_digits=5, decimal_places=4, allow_null=True
                ),
                "reserved_shortfall": serializers.IntegerField(),
                "variance_by_reason": inline_serializer(
                    "ReasonVariance",
                    {
                        "reason": serializers.CharField(),
                        "units": serializers.IntegerField(),
                        "movements": serializers.IntegerField(),
                    },
                    many=True,
                ),
                "over_time": inline_serializer(
                    "AccuracyDay",
                    {
                        "day": serializers.DateField(),
                        "counted_skus": serializers.IntegerField(),
                        "matched": serializers.IntegerField(),
                        "matched_share": serializers.DecimalField(
                            max_digits=5, decimal_places=4, allow_null=True
                        ),
                    },
                    many=True,
                ),
            },
        ),
    )
    def get(self, request, code: str):
        store = store_in_path(request, code)
        # Whole days by default (today included), so the same question has the same answer
        # (and cache key) all day.
        end = _moment(request.query_params.get("to"), end=True) or _moment(
            timezone.localdate().isoformat(), end=True
        )
        start = _moment(request.query_params.get("from"), end=False) or end - timedelta(
            days=DEFAULT_ACCURACY_DAYS
        )
        if start >= end:
            raise InvalidInput(gettext("`from` must come before `to`."))
        entry = stock_accuracy(location=store, start=start, end=end)
        share = entry.matched_share
        return Response(
            {
                "store": store.code,
                "from": start,
                "to": end,
                "counts": entry.counts,
                "counted_skus": entry.counted_skus,
                "matched": entry.matched,
                "matched_share": None if share is None else str(share),
                "reserved_shortfall": entry.reserved_shortfall,
                "variance_by_reason": [
                    {"reason": r.reason, "units": r.units, "movements": r.movements}
                    for r in entry.by_reason
                ],
                "over_time": [
                    {
                        "day": p.day,
                        "counted_skus": p.counted_skus,
                        "matched": p.matched,
                        "matched_share": None if p.matched_share is None else str(p.matched_share),
                    }
                    for p in entry.over_time
                ],
            }
        )


class PickupNotFoundApi(APIView):
    """A clerk cannot find a line's item: the record is corrected and the line re-sourced."""

    permission_classes = [IsStaffMember]

    class NotFoundInput(serializers.Serializer):
        sku = serializers.CharField(max_length=64)
        location = serializers.CharField(
            required=False,
            help_text=(
                "Delivery orders: where it was not found (default: the clerk's location, or "
                "the one location holding the line)."
            ),
        )
        shelf_empty = serializers.BooleanField(
            default=False, help_text="No unit at all on the shelf: a count of zero for the SKU."
        )

    @extend_schema(request=NotFoundInput, responses=OrderSerializer)
    @idempotent
    def post(self, request, number: str):
        order = order_by_number(number)
        data = self.NotFoundInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data.get("location")
        location = location_by_code(code) if code else None
        if location is None and order.fulfilment == Order.Fulfilment.DELIVERY:
            location = clerk_store(request.user)  # a clerk picks at their own location
        order_line_not_found(
            order=order,
            sku=data.validated_data["sku"],
            channel=Channel.POS,
            user=request.user,
            location=location,
            shelf_empty=data.validated_data["shelf_empty"],
            ensure_allowed=lambda location: ensure_can_act_at(request.user, location),
        )
        return Response(OrderSerializer(orders_with_lines().get(pk=order.pk)).data)
