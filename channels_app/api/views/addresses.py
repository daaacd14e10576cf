"""The signed-in shopper's address book: `/api/me/addresses/`. Another customer's address
answers 404, as if it did not exist."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.current import current_customer
from shop.customers import addresses
from shop.customers.models import Address


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = [
            "id",
            "name",
            "line1",
            "line2",
            "postcode",
            "city",
            "country",
            "is_default_shipping",
            "is_default_billing",
        ]


class AddressInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=20)
    city = serializers.CharField(max_length=100)
    country = serializers.CharField(max_length=60, help_text="ISO 3166 alpha-2")
    is_default_shipping = serializers.BooleanField(required=False)
    is_default_billing = serializers.BooleanField(required=False)


def _split(fields: dict) -> tuple[dict, bool | None, bool | None]:
    data = dict(fields)
    return data, data.pop("is_default_shipping", None), data.pop("is_default_billing", None)


class MyAddressListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AddressSerializer(many=True))
    def get(self, request):
        book = Address.objects.filter(customer=current_customer(request))
        return Response(AddressSerializer(book, many=True).data)

    @extend_schema(request=AddressInputSerializer, responses={201: AddressSerializer})
    def post(self, request):
        data = AddressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields, shipping, billing = _split(data.validated_data)
        address = addresses.address_create(
            customer=current_customer(request),
            data=fields,
            default_shipping=bool(shipping),
            default_billing=bool(billing),
        )
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class MyAddressDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    def _address(self, request, address_id: int) -> Address:
        return addresses.address_get(customer=current_customer(request), address_id=address_id)

    @extend_schema(responses=AddressSerializer)
    def get(self, request, address_id: int):
        return Response(AddressSerializer(self._address(request, address_id)).data)

    def _update(self, request, address_id: int, *, partial: bool):
        address = self._address(request, address_id)
        data = AddressInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        fields, shipping, billing = _split(data.validated_data)
        address = addresses.address_update(
            address=address, data=fields, default_shipping=shipping, default_billing=billing
        )
        return Response(AddressSerializer(address).data)

    @extend_schema(request=AddressInputSerializer, responses=AddressSerializer)
    def put(self, request, address_id: int):
        return self._update(request, address_id, partial=False)

    @extend_schema(request=AddressInputSerializer, responses=AddressSerializer)
    def patch(self, request, address_id: int):
        return self._update(request, address_id, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request, address_id: int):
        addresses.address_delete(address=self._address(request, address_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
