"""The sales journal for managers: verifying its chains, and the period closings."""

from datetime import datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import location_by_code
from channels_app.api.permissions import IsManager
from shop.errors import InvalidInput
from shop.journal.models import WEB_CHAIN, Closing
from shop.journal.verify import journal_verify


def _day_start(request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    day = parse_date(raw)
    if day is None:
        raise InvalidInput(
            gettext("%(name)s must be a date, YYYY-MM-DD.") % {"name": name}, details=[name]
        )
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class BrokenEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    chain = serializers.CharField()
    sequence = serializers.IntegerField()
    number = serializers.CharField()
    reason = serializers.CharField()


class BrokenClosingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    closing = serializers.CharField()
    reason = serializers.CharField()


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    entries = serializers.IntegerField()
    first_broken = BrokenEntrySerializer(allow_null=True)
    #: Closings are checked when no period is given.
    closings = serializers.IntegerField()
    first_broken_closing = BrokenClosingSerializer(allow_null=True)


class SalesJournalVerifyApi(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="First day, YYYY-MM-DD"),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (included)"),
        ],
        responses=VerificationSerializer,
    )
    def get(self, request):
        start = _day_start(request, "from")
        end = _day_start(request, "to")
        if end is not None:
            end += timezone.timedelta(days=1)
        return Response(journal_verify(start=start, end=end).as_dict())


class ClosingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.SerializerMethodField()
    period = serializers.CharField()
    start = serializers.DateField(source="period_start")
    end = serializers.DateField(source="period_end")
    created_at = serializers.DateTimeField()
    totals = serializers.JSONField(source="content.totals")
    cumulative = serializers.JSONField(source="content.cumulative")
    hash = serializers.CharField()
    previous_hash = serializers.CharField()

    def get_store(self, closing) -> str | None:
        return None if closing.chain.key == WEB_CHAIN else closing.chain.key


class ClosingListApi(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        parameters=[
            OpenApiParameter("store", str, description="A store's code, or `web`"),
            OpenApiParameter("period", str, enum=[p.value for p in Closing.Period]),
        ],
        responses=ClosingSerializer(many=True),
    )
    def get(self, request):
        closings = Closing.objects.select_related("chain").order_by("-period_start", "chain__key")
        store = request.query_params.get("store")
        if store:
            if store != WEB_CHAIN:
                store = location_by_code(store).code
            closings = closings.filter(chain__key=store)
        period = request.query_params.get("period")
        if period:
            if period not in Closing.Period.values:
                raise InvalidInput(
                    gettext("period must be day, month or year."), details=["period"]
                )
            closings = closings.filter(period=period)
        return Response(ClosingSerializer(closings[:500], many=True).data)
