from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import location_by_code
from channels_app.api.permissions import IsManager
from shop.staff.models import StaffProfile
from shop.staff.services import staff_create


class StaffCreateApi(APIView):
    permission_classes = [IsManager]

    class StaffInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
        password = serializers.CharField(write_only=True)
        role = serializers.ChoiceField(choices=StaffProfile.Role.choices)
        store = serializers.CharField(required=False, allow_null=True)
        email = serializers.EmailField(required=False, allow_blank=True)

    class StaffOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="user.id")
        username = serializers.CharField(source="user.username")
        role = serializers.CharField()
        store = serializers.CharField(source="store.code", allow_null=True, default=None)

    @extend_schema(request=StaffInputSerializer, responses={201: StaffOutputSerializer})
    def post(self, request):
        data = self.StaffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        code = fields.pop("store", None)
        profile = staff_create(store=location_by_code(code) if code else None, **fields)
        return Response(self.StaffOutputSerializer(profile).data, status=status.HTTP_201_CREATED)
