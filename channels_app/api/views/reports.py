from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import MoneyField
from channels_app.api.permissions import IsManager
from shop.marketing.models import AttributionModel
from shop.marketing.reports import channel_report, period_parse


class ReportRowSerializer(serializers.Serializer):
    channel = serializers.CharField()
    source = serializers.CharField()
    store = serializers.CharField(allow_null=True)
    orders = serializers.IntegerField()
    revenue = MoneyField()
    returns = MoneyField()
    net = MoneyField()


class ReportTotalsSerializer(serializers.Serializer):
    orders = serializers.IntegerField()
    revenue = MoneyField()
    returns = MoneyField()
    net = MoneyField()


class ChannelReportSerializer(serializers.Serializer):
    currency = serializers.CharField()
    model = serializers.ChoiceField(choices=AttributionModel.choices)
    rows = ReportRowSerializer(many=True)
    totals = ReportTotalsSerializer()

    def get_fields(self):
        # The period, echoed back: `from` is a Python keyword, so these are added here.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(source="start")
        fields["to"] = serializers.DateField(source="end")
        return fields


class ChannelReportApi(APIView):
    """Revenue, returns and net per credited channel, source and store, from the rollups that
    `refresh_reports` keeps (every 15 minutes). Under the linear model a row's `orders` counts
    the orders it shares in; `totals.orders` counts each order once."""

    permission_classes = [IsManager]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (30 days ago)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (today)."),
            OpenApiParameter("model", str, enum=AttributionModel.values),
        ],
        responses={200: ChannelReportSerializer},
    )
    def get(self, request):
        period = period_parse(
            start=request.query_params.get("from"),
            end=request.query_params.get("to"),
            model=request.query_params.get("model"),
        )
        report = channel_report(period)
        body = {
            "currency": settings.SHOP_CURRENCY,
            "model": period.model,
            "start": period.start,
            "end": period.end,
            "rows": [{**row, "store": row["store"] or None} for row in report["rows"]],
            "totals": report["totals"],
        }
        return Response(ChannelReportSerializer(body).data)
