from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import MoneyField
from channels_app.api.permissions import IsManager
from shop.catalog.cache import catalogue_cached
from shop.catalog.gtin import validate_gtin
from shop.catalog.models import Category, Product, Variant
from shop.catalog.selectors import product_list, variant_by_code
from shop.catalog.services import product_create
from shop.errors import InvalidInput


class VariantSerializer(serializers.ModelSerializer):
    price = MoneyField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = ["sku", "barcode", "name", "price", "currency", "gtin", "brand", "mpn"]

    def get_currency(self, variant) -> str:
        return settings.SHOP_CURRENCY


class ProductImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    alt = serializers.CharField()

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_url(self, image) -> str:
        return self._absolute(image.large.url)

    def get_thumbnail(self, image) -> str:
        return self._absolute(image.thumbnail.url)


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    variants = VariantSerializer(many=True, read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "description", "category", "variants", "images"]


class CatalogueCountPaginator(Paginator):
    """Counts a product list once per catalogue version and search: the catalogue changes
    seldom, and counting ten thousand products was most of the cost of each page of the list."""

    def __init__(self, *args, vary_on: tuple = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.vary_on = vary_on

    @cached_property
    def count(self) -> int:
        exact = Paginator.count.func  # the uncached count query
        return catalogue_cached("api-product-count", self.vary_on, lambda: exact(self))


class ProductPagination(PageNumberPagination):
    def django_paginator_class(self, queryset, page_size):
        params = self.request.query_params  # set by paginate_queryset before this is called
        vary_on = (params.get("q", ""), params.get("category", ""))
        return CatalogueCountPaginator(queryset, page_size, vary_on=vary_on)


class ProductListCreateApi(generics.ListCreateAPIView):
    serializer_class = ProductSerializer
    pagination_class = ProductPagination

    class ProductInputSerializer(serializers.Serializer):
        class VariantInput(serializers.Serializer):
            sku = serializers.CharField(max_length=64)
            barcode = serializers.CharField(max_length=64, required=False, allow_null=True)
            name = serializers.CharField(max_length=120, required=False, allow_blank=True)
            price = MoneyField(min_value=0)
            gtin = serializers.CharField(
                max_length=14, required=False, allow_blank=True, validators=[validate_gtin]
            )
            brand = serializers.CharField(max_length=100, required=False, allow_blank=True)
            mpn = serializers.CharField(max_length=70, required=False, allow_blank=True)

        name = serializers.CharField(max_length=200)
        slug = serializers.SlugField(max_length=220, required=False)
        description = serializers.CharField(required=False, allow_blank=True)
        category = serializers.SlugField()
        variants = VariantInput(many=True, allow_empty=False)

    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [AllowAny()]

    def get_queryset(self):
        params = self.request.query_params
        return product_list(query=params.get("q", ""), category=params.get("category", ""))

    @extend_schema(
        parameters=[OpenApiParameter("q", str), OpenApiParameter("category", str)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductSerializer})
    def post(self, request):
        data = self.ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            fields["category"] = Category.objects.get(slug=fields["category"])
        except Category.DoesNotExist:
            raise InvalidInput(
                gettext("Unknown category %(category)s.") % {"category": f"{fields['category']!r}"}
            ) from None
        product = product_create(**fields)
        product = product_list().get(pk=product.pk)
        return Response(
            ProductSerializer(product, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProductDetailApi(APIView):
    @extend_schema(responses=ProductSerializer)
    def get(self, request, slug: str):
        product = get_object_or_404(product_list(), slug=slug)
        return Response(ProductSerializer(product, context={"request": request}).data)


class VariantDetailApi(APIView):
    """Looks a variant up by SKU or barcode: what the POS scanner calls."""

    class VariantOutputSerializer(VariantSerializer):
        product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
        product_name = serializers.CharField(source="product.name", read_only=True)

        class Meta(VariantSerializer.Meta):
            fields = [*VariantSerializer.Meta.fields, "product", "product_name"]

    @extend_schema(responses=VariantOutputSerializer)
    def get(self, request, code: str):
        return Response(self.VariantOutputSerializer(variant_by_code(code=code)).data)
