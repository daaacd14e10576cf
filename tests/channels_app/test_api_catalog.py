from decimal import Decimal

import pytest
from django.conf import settings

from shop.catalog.models import Product, Variant
from tests import factories
from tests.channels_app.support import assert_error
from tests.conftest import auth

PRODUCTS = "/api/products/"
CURRENCY = settings.SHOP_CURRENCY


@pytest.fixture
def clothing(db):
    return factories.CategoryFactory(name="Clothing", slug="clothing")


@pytest.fixture
def kitchen(db):
    return factories.CategoryFactory(name="Kitchen", slug="kitchen")


@pytest.fixture
def tee(clothing):
    product = factories.ProductFactory(
        name="Cotton tee", slug="cotton-tee", description="Soft organic cotton.", category=clothing
    )
    factories.VariantFactory(
        product=product, sku="TEE-M", barcode="4000000000017", name="M", price=Decimal("19.9")
    )
    factories.VariantFactory(
        product=product, sku="TEE-L", barcode="4000000000024", name="L", price=Decimal("21.00")
    )
    return product


@pytest.fixture
def mug(kitchen):
    product = factories.ProductFactory(
        name="Enamel mug", slug="enamel-mug", description="Keeps tea warm.", category=kitchen
    )
    factories.VariantFactory(product=product, sku="MUG-1", barcode=None, price=Decimal("8"))
    return product


#: A variant's GTIN, brand and MPN, none of which these tests set.
NO_IDENTIFIERS = {"gtin": "", "brand": "", "mpn": ""}

TEE = {
    "slug": "cotton-tee",
    "images": [],
    "name": "Cotton tee",
    "description": "Soft organic cotton.",
    "category": "clothing",
    "variants": [
        {
            "sku": "TEE-L",
            "barcode": "4000000000024",
            "name": "L",
            "price": "21.00",
            "currency": CURRENCY,
            **NO_IDENTIFIERS,
        },
        {
            "sku": "TEE-M",
            "barcode": "4000000000017",
            "name": "M",
            "price": "19.90",
            "currency": CURRENCY,
            **NO_IDENTIFIERS,
        },
    ],
}


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["slug"] for p in response.json()["results"]]


class TestProductList:
    def test_lists_products_with_variants_and_money_as_strings(self, api, tee, mug):
        response = api.get(PRODUCTS)

        assert response.status_code == 200
        body = response.json()
        assert (body["count"], body["next"], body["previous"]) == (2, None, None)
        first, second = body["results"]
        assert first == {"id": tee.pk, **TEE}
        assert second["slug"] == "enamel-mug"
        assert second["variants"] == [
            {
                "sku": "MUG-1",
                "barcode": None,
                "name": "One size",
                "price": "8.00",
                "currency": CURRENCY,
                **NO_IDENTIFIERS,
            }
        ]

    def test_search_by_name(self, api, tee, mug):
        assert slugs(api.get(PRODUCTS, {"q": "MUG"})) == ["enamel-mug"]

    def test_search_by_description(self, api, tee, mug):
        assert slugs(api.get(PRODUCTS, {"q": "organic"})) == ["cotton-tee"]

    def test_search_by_exact_sku_lists_the_product_once(self, api, tee, mug):
        assert slugs(api.get(PRODUCTS, {"q": "tee-l"})) == ["cotton-tee"]

    def test_search_without_match_is_empty(self, api, tee, mug):
        response = api.get(PRODUCTS, {"q": "bicycle"})

        assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}

    def test_filter_by_category(self, api, tee, mug):
        assert slugs(api.get(PRODUCTS, {"category": "kitchen"})) == ["enamel-mug"]
        assert slugs(api.get(PRODUCTS, {"category": "clothing"})) == ["cotton-tee"]

    def test_search_and_category_together(self, api, tee, mug):
        assert slugs(api.get(PRODUCTS, {"q": "tee", "category": "kitchen"})) == []

    def test_inactive_products_and_variants_are_hidden(self, api, tee, mug):
        Product.objects.filter(pk=mug.pk).update(is_active=False)
        Variant.objects.filter(sku="TEE-L").update(is_active=False)

        results = api.get(PRODUCTS).json()["results"]

        assert [p["slug"] for p in results] == ["cotton-tee"]
        assert [v["sku"] for v in results[0]["variants"]] == ["TEE-M"]

    def test_pagination(self, api, clothing):
        for n in range(25):
            factories.VariantFactory(
                product=factories.ProductFactory(name=f"Item {n:02d}", category=clothing)
            )

        first = api.get(PRODUCTS).json()
        second = api.get(PRODUCTS, {"page": 2}).json()

        assert first["count"] == second["count"] == 25
        assert [p["name"] for p in first["results"]] == [f"Item {n:02d}" for n in range(20)]
        assert [p["name"] for p in second["results"]] == [f"Item {n:02d}" for n in range(20, 25)]
        assert first["previous"] is None
        assert first["next"].endswith("/api/products/?page=2")
        assert second["next"] is None
        assert second["previous"] is not None
        assert api.get(second["previous"]).json()["results"] == first["results"]

    def test_the_count_is_kept_until_the_catalogue_changes(
        self, api, clothing, django_assert_num_queries
    ):
        for _ in range(3):
            factories.VariantFactory(product=factories.ProductFactory(category=clothing))
        assert api.get(PRODUCTS).json()["count"] == 3
        with django_assert_num_queries(3):  # products, variants, images: no count
            assert api.get(PRODUCTS, {"page": 1}).json()["count"] == 3
        assert api.get(PRODUCTS, {"category": "nothing"}).json()["count"] == 0  # its own count

        factories.VariantFactory(product=factories.ProductFactory(category=clothing))

        assert api.get(PRODUCTS).json()["count"] == 4

    def test_page_past_the_end_is_a_404(self, api, tee):
        assert_error(api.get(PRODUCTS, {"page": 9}), 404, "not_found")


class TestProductDetail:
    def test_by_slug(self, api, tee, mug):
        response = api.get("/api/products/cotton-tee/")

        assert response.status_code == 200
        assert response.json() == {"id": tee.pk, **TEE}

    def test_unknown_slug_is_a_404_in_the_error_shape(self, api, tee):
        response = api.get("/api/products/no-such-thing/")

        assert response.status_code == 404
        body = response.json()
        assert set(body) == {"error"}
        assert body["error"]["code"] == "not_found"
        assert isinstance(body["error"]["message"], str)
        assert body["error"]["message"]
        assert body["error"]["details"] == []

    def test_inactive_product_is_a_404(self, api, tee):
        Product.objects.filter(pk=tee.pk).update(is_active=False)

        assert_error(api.get("/api/products/cotton-tee/"), 404, "not_found")


NEW = {
    "name": "Linen shirt",
    "description": "Breathes.",
    "category": "clothing",
    "variants": [
        {"sku": "SHIRT-S", "barcode": "4000000000031", "name": "S", "price": "49.50"},
        {"sku": "SHIRT-M", "name": "M", "price": "49.5"},
    ],
}


class TestProductCreate:
    def test_manager_creates_a_product_with_variants(self, api, manager, clothing):
        response = auth(api, manager).post(PRODUCTS, NEW, format="json")

        assert response.status_code == 201, response.content
        product = Product.objects.get(slug="linen-shirt")
        assert response.json() == {
            "id": product.pk,
            "slug": "linen-shirt",
            "name": "Linen shirt",
            "description": "Breathes.",
            "category": "clothing",
            "images": [],
            "variants": [
                {
                    "sku": "SHIRT-M",
                    "barcode": None,
                    "name": "M",
                    "price": "49.50",
                    "currency": CURRENCY,
                    **NO_IDENTIFIERS,
                },
                {
                    "sku": "SHIRT-S",
                    "barcode": "4000000000031",
                    "name": "S",
                    "price": "49.50",
                    "currency": CURRENCY,
                    **NO_IDENTIFIERS,
                },
            ],
        }
        assert product.category == clothing
        prices = dict(product.variants.values_list("sku", "price"))
        assert prices == {"SHIRT-S": Decimal("49.50"), "SHIRT-M": Decimal("49.50")}

    def test_created_product_can_be_read_back(self, api, manager, clothing):
        auth(api, manager).post(PRODUCTS, {**NEW, "slug": "shirt"}, format="json")

        response = api.get("/api/products/shirt/")

        assert response.status_code == 200
        assert len(response.json()["variants"]) == 2

    def test_name_without_a_slug_is_refused_or_slugged(self, api, manager, clothing):
        body = {**NEW, "name": "***"}

        response = auth(api, manager).post(PRODUCTS, body, format="json")

        if response.status_code == 201:
            assert response.json()["slug"]
        else:
            assert_error(response, 400, "invalid")
        assert not Product.objects.filter(slug="").exists()

    def test_duplicate_sku_is_a_409_and_creates_nothing(self, api, manager, clothing, tee):
        body = {**NEW, "variants": [*NEW["variants"], {"sku": "TEE-M", "price": "1.00"}]}

        response = auth(api, manager).post(PRODUCTS, body, format="json")

        error = assert_error(response, 409, "conflict")
        assert error["details"] == ["TEE-M"]
        assert not Product.objects.filter(name="Linen shirt").exists()
        assert not Variant.objects.filter(sku__startswith="SHIRT").exists()

    def test_duplicate_barcode_is_a_409(self, api, manager, clothing, tee):
        body = {**NEW, "variants": [{"sku": "X-1", "barcode": "4000000000017", "price": "1.00"}]}

        assert_error(auth(api, manager).post(PRODUCTS, body, format="json"), 409, "conflict")
        assert not Variant.objects.filter(sku="X-1").exists()

    def test_taken_slug_is_a_409(self, api, manager, clothing, tee):
        body = {**NEW, "slug": "cotton-tee"}

        assert_error(auth(api, manager).post(PRODUCTS, body, format="json"), 409, "conflict")
        assert Product.objects.count() == 1

    def test_same_sku_twice_in_one_request_is_a_400(self, api, manager, clothing):
        body = {**NEW, "variants": [{"sku": "A", "price": "1.00"}, {"sku": "A", "price": "2.00"}]}

        assert_error(auth(api, manager).post(PRODUCTS, body, format="json"), 400, "invalid")
        assert not Product.objects.exists()

    def test_unknown_category_is_a_400(self, api, manager, clothing):
        response = auth(api, manager).post(PRODUCTS, {**NEW, "category": "toys"}, format="json")

        assert_error(response, 400, "invalid")
        assert not Product.objects.exists()

    @pytest.mark.parametrize("price", ["-1.00", "1.005", "abc", ""])
    def test_bad_price_is_a_400(self, api, manager, clothing, price):
        body = {**NEW, "variants": [{"sku": "A", "price": price}]}

        assert_error(auth(api, manager).post(PRODUCTS, body, format="json"), 400, "invalid")
        assert not Product.objects.exists()

    def test_no_variants_is_a_400(self, api, manager, clothing):
        response = auth(api, manager).post(PRODUCTS, {**NEW, "variants": []}, format="json")

        assert_error(response, 400, "invalid")

    def test_clerk_and_shopper_are_forbidden(self, api, clerk, shopper, clothing):
        assert_error(auth(api, clerk).post(PRODUCTS, NEW, format="json"), 403, "permission_denied")
        response = auth(api, shopper).post(PRODUCTS, NEW, format="json")
        assert_error(response, 403, "permission_denied")
        assert not Product.objects.exists()

    def test_anonymous_is_a_401(self, api, clothing):
        assert_error(api.post(PRODUCTS, NEW, format="json"), 401, "not_authenticated")
        assert not Product.objects.exists()


class TestVariantLookup:
    @pytest.mark.parametrize("code", ["TEE-M", "4000000000017"])
    def test_by_sku_or_barcode(self, api, tee, code):
        response = api.get(f"/api/variants/{code}/")

        assert response.status_code == 200
        assert response.json() == {
            "sku": "TEE-M",
            "barcode": "4000000000017",
            "name": "M",
            "price": "19.90",
            "currency": CURRENCY,
            **NO_IDENTIFIERS,
            "product": "cotton-tee",
            "product_name": "Cotton tee",
        }

    def test_another_variant_of_the_product(self, api, tee):
        assert api.get("/api/variants/4000000000024/").json()["sku"] == "TEE-L"

    def test_unknown_code_is_a_404(self, api, tee):
        assert_error(api.get("/api/variants/NOPE/"), 404, "not_found")

    def test_inactive_variant_is_a_404(self, api, tee):
        Variant.objects.filter(sku="TEE-M").update(is_active=False)

        assert_error(api.get("/api/variants/TEE-M/"), 404, "not_found")

    def test_variant_of_inactive_product_is_a_404(self, api, tee):
        Product.objects.filter(pk=tee.pk).update(is_active=False)

        assert_error(api.get("/api/variants/4000000000024/"), 404, "not_found")
