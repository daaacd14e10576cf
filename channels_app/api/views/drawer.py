"""The cash drawer of a store: the open session, opening it with a float, closing it with a
count. Clerks of the store and managers."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import MoneyField
from channels_app.api.idempotency import idempotent
from channels_app.api.permissions import IsStaffMember
from channels_app.api.views.pos import store_in_path
from shop.payments.drawer import drawer_cash_totals, drawer_close, drawer_open, drawer_open_session
from shop.payments.errors import NoOpenDrawer
from shop.payments.models import CashDrawerSession


class DrawerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.CharField(source="store.code")
    opened_at = serializers.DateTimeField()
    opened_by = serializers.CharField(source="opened_by.get_username")
    float = MoneyField(source="opening_float")
    cash_sales = MoneyField()
    cash_refunds = MoneyField()
    expected_cash = MoneyField()


class ClosedDrawerSerializer(DrawerSerializer):
    closed_at = serializers.DateTimeField()
    counted = MoneyField(source="counted_cash")
    difference = MoneyField()


def drawer_body(session: CashDrawerSession, serializer=DrawerSerializer) -> dict:
    for name, amount in drawer_cash_totals(session).items():
        setattr(session, name, amount)
    return serializer(session).data


def _open_session(store) -> CashDrawerSession:
    session = drawer_open_session(store=store)
    if session is None:
        raise NoOpenDrawer(gettext("No till is open at %(name)s.") % {"name": store.name})
    return session


class DrawerApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=DrawerSerializer)
    def get(self, request, code: str):
        store = store_in_path(request, code)
        return Response(drawer_body(_open_session(store)))


class DrawerOpenApi(APIView):
    permission_classes = [IsStaffMember]

    class DrawerOpenSerializer(serializers.Serializer):
        float = MoneyField(min_value=0)

    @extend_schema(request=DrawerOpenSerializer, responses={201: DrawerSerializer})
    @idempotent
    def post(self, request, code: str):
        store = store_in_path(request, code)
        data = self.DrawerOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = drawer_open(
            store=store, user=request.user, opening_float=data.validated_data["float"]
        )
        session = CashDrawerSession.objects.select_related("store", "opened_by").get(pk=session.pk)
        return Response(drawer_body(session), status=status.HTTP_201_CREATED)


class DrawerCloseApi(APIView):
    permission_classes = [IsStaffMember]

    class DrawerCloseSerializer(serializers.Serializer):
        counted = MoneyField(min_value=0)

    @extend_schema(request=DrawerCloseSerializer, responses=ClosedDrawerSerializer)
    @idempotent
    def post(self, request, code: str):
        store = store_in_path(request, code)
        data = self.DrawerCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = drawer_close(
            session=_open_session(store),
            user=request.user,
            counted_cash=data.validated_data["counted"],
        )
        return Response(drawer_body(session, ClosedDrawerSerializer))
