"""Product pictures (stored through the storage API, thumbnails made once, at upload) and the
identifiers of a variant (GTIN with its check digit, brand, MPN)."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from shop.catalog.gtin import gtin_check_digit, gtin_is_valid
from shop.catalog.images import image_url
from shop.catalog.services import product_create
from shop.errors import InvalidInput
from tests import factories
from tests.catalog_support import add_picture

pytestmark = pytest.mark.django_db


class TestGtin:
    @pytest.mark.parametrize(
        "gtin", ["4006381333931", "036000291452", "96385074", "00012345600012", "3760001234565"]
    )
    def test_valid(self, gtin):
        assert gtin_is_valid(gtin)

    @pytest.mark.parametrize(
        "gtin",
        ["4006381333932", "03600029145", "12345", "40063813339311", "400638133393a", "４００"],
    )
    def test_invalid(self, gtin):
        assert not gtin_is_valid(gtin)

    def test_check_digit(self):
        assert gtin_check_digit("400638133393") == "1"

    def test_the_model_field_rejects_a_wrong_check_digit(self):
        variant = factories.VariantFactory(gtin="", brand="Acme", mpn="A-1")
        variant.full_clean()
        variant.gtin = "4006381333932"
        with pytest.raises(ValidationError) as error:
            variant.full_clean()
        assert "gtin" in error.value.message_dict

    def test_product_create_rejects_an_invalid_gtin(self):
        category = factories.CategoryFactory()
        with pytest.raises(InvalidInput) as error:
            product_create(
                name="Cap",
                category=category,
                variants=[{"sku": "CAP-1", "price": Decimal("10.00"), "gtin": "4006381333932"}],
            )
        assert error.value.details == ["4006381333932"]

    def test_the_api_takes_and_shows_identifiers(self, api):
        category = factories.CategoryFactory(slug="caps")
        api.force_authenticate(factories.manager())
        variant = {"sku": "CAP-1", "price": "10.00", "gtin": "4006381333931", "brand": "Acme"}
        response = api.post(
            "/api/products/",
            {"name": "Cap", "category": "caps", "variants": [{**variant, "mpn": "AC-CAP"}]},
            format="json",
        )
        assert response.status_code == 201, response.content
        [shown] = response.json()["variants"]
        assert (shown["gtin"], shown["brand"], shown["mpn"]) == ("4006381333931", "Acme", "AC-CAP")

        bad = {**variant, "sku": "CAP-2", "gtin": "4006381333932"}
        response = api.post(
            "/api/products/",
            {"name": "Cap 2", "category": category.slug, "variants": [bad]},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"


class TestPictures:
    def test_upload_stores_the_original_and_makes_both_thumbnails(self):
        product = factories.ProductFactory(slug="merino-jumper")
        picture = add_picture(product, width=1600, height=1200)

        assert picture.image.name.startswith("products/merino-jumper/")
        assert default_storage.exists(picture.image.name)
        for spec, longest in (("thumbnail", 480), ("large", 1200)):
            cached = getattr(picture, spec)
            assert default_storage.exists(cached.name), spec
            with default_storage.open(cached.name) as stored, Image.open(stored) as image:
                assert max(image.size) == longest
                assert image.format == "JPEG"

    def test_a_small_picture_is_not_enlarged(self):
        picture = add_picture(factories.ProductFactory(), width=300, height=200)
        with default_storage.open(picture.large.name) as stored, Image.open(stored) as image:
            assert image.size == (300, 200)

    def test_pictures_are_ordered(self):
        product = factories.ProductFactory()
        first = add_picture(product, alt="front")
        second = add_picture(product, alt="back")
        assert (first.position, second.position) == (0, 1)
        assert [p.alt for p in product.images.all()] == ["front", "back"]

    def test_a_thumbnail_url_costs_no_query_and_no_storage_call(self, monkeypatch):
        picture = add_picture(factories.ProductFactory())
        monkeypatch.setattr(
            default_storage.__class__, "exists", lambda *a: pytest.fail("storage was asked")
        )
        with CaptureQueriesContext(connection) as queries:
            url = image_url(picture.image.name)
        assert len(queries) == 0
        assert url == picture.thumbnail.url
        assert url.startswith("/media/CACHE/images/products/")


class TestStorefrontPictures:
    def test_cards_show_the_first_picture_at_no_extra_query(
        self, client, django_assert_num_queries
    ):
        category = factories.CategoryFactory(slug="knitwear")

        def add(n: int, *, pictured: bool) -> None:
            for _ in range(n):
                product = factories.ProductFactory(category=category)
                factories.VariantFactory(product=product)
                if pictured:
                    add_picture(product)

        add(2, pictured=False)
        with CaptureQueriesContext(connection) as bare:
            client.get("/c/knitwear/")
        add(10, pictured=True)
        cache.clear()
        with django_assert_num_queries(len(bare)):
            html = client.get("/c/knitwear/").content.decode()
        assert html.count('class="product-photo"') == 10
        assert html.count("/media/CACHE/images/products/") == 10

    def test_the_product_page_shows_every_picture_with_its_alt_text(self, client):
        product = factories.ProductFactory(slug="tote")
        factories.VariantFactory(product=product, gtin="4006381333931", brand="Acme", mpn="T-1")
        add_picture(product, alt="Tote, front")
        add_picture(product, alt="Tote, inside pocket")

        html = client.get("/p/tote/").content.decode()

        assert 'alt="Tote, front"' in html
        assert 'alt="Tote, inside pocket"' in html
        assert "GTIN 4006381333931" in html
        assert "MPN T-1" in html

    def test_the_api_lists_pictures(self, client):
        product = factories.ProductFactory(slug="tote")
        factories.VariantFactory(product=product)
        add_picture(product, alt="Tote, front")

        [image] = client.get("/api/products/tote/").json()["images"]

        assert image["alt"] == "Tote, front"
        assert image["thumbnail"].startswith("http://testserver/media/CACHE/images/")


def test_the_cart_shows_pictures_read_with_its_lines(client, django_assert_num_queries):
    pictured = factories.VariantFactory(sku="PIC-1")
    add_picture(pictured.product, alt="Front")
    factories.VariantFactory(sku="BARE-1")
    for sku in ("PIC-1", "BARE-1"):
        client.post("/cart/add/", {"sku": sku, "quantity": "1"})
    client.get("/cart/")

    with django_assert_num_queries(3):  # the session, the cart with its lines, its codes
        html = client.get("/cart/").content.decode()

    assert html.count("product-photo-thumb") == 1
    assert html.count("product-art-thumb") == 1
