from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.views.customers import customer_by_id
from channels_app.current import current_customer
from shop.errors import InvalidInput, NotFound, PermissionDenied
from shop.marketing.recommendations import product_by_sku_or_slug, recommendations_for
from shop.staff.roles import is_staff_member

MAX_LIMIT = 50


class RecommendationSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="The product's name.")
    slug = serializers.CharField()
    score = serializers.FloatField(help_text="Relative strength, 0 to 1.")
    reason = serializers.ChoiceField(choices=["bought_together", "your_history", "best_seller"])


def _limit(raw: str | None) -> int:
    if raw in (None, ""):
        return 10
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput(
            gettext("limit must be a whole number from 1 to %(MAX_LIMIT)s.")
            % {"MAX_LIMIT": MAX_LIMIT},
            details=["limit"],
        )
    return int(raw)


class RecommendationsApi(APIView):
    """Suggestions from every channel's history: what goes with `product`, for `customer`
    (staff only; a signed-in shopper gets their own). Never an item the customer bought or
    returned, nor one no location can sell; best sellers when there is no history."""

    @extend_schema(
        parameters=[
            OpenApiParameter("product", str, description="An SKU or a product slug"),
            OpenApiParameter("customer", int, description="Staff only: a customer id"),
            OpenApiParameter("limit", int, description=f"1 to {MAX_LIMIT}, default 10"),
        ],
        responses=RecommendationSerializer(many=True),
    )
    def get(self, request):
        limit = _limit(request.query_params.get("limit"))
        product = None
        if code := request.query_params.get("product", "").strip():
            product = product_by_sku_or_slug(code)
            if product is None:
                raise NotFound(
                    gettext("No product with SKU or slug %(code)s.") % {"code": f"{code!r}"}
                )
        customer = current_customer(request)
        if (customer_id := request.query_params.get("customer", "").strip()) != "":
            if not is_staff_member(request.user):
                raise PermissionDenied(gettext("Only store staff may ask for another customer."))
            if not customer_id.isdigit():
                raise InvalidInput(gettext("customer must be a customer id."), details=["customer"])
            customer = customer_by_id(int(customer_id))
        found = recommendations_for(customer=customer, product=product, limit=limit)
        return Response(RecommendationSerializer([r.as_dict() for r in found], many=True).data)
