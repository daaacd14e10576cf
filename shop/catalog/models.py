from django.db import models
from django.urls import reverse
from imagekit.models import ImageSpecField
from pilkit.processors import ResizeToFit

from shop.catalog.gtin import validate_gtin
from shop.catalog.taxes import TaxClass


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("storefront:category", args=[self.slug])


class ProductQuerySet(models.QuerySet):
    def active(self) -> "ProductQuerySet":
        return self.filter(is_active=True)


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    is_active = models.BooleanField(default=True)
    #: Its variants are gift cards of their price: selling one issues a card, moves no stock.
    is_gift_card = models.BooleanField(default=False, db_default=False)
    #: Its VAT rate comes from settings.VAT_RATES for the shop's country.
    tax_class = models.CharField(
        max_length=20,
        choices=TaxClass.choices,
        default=TaxClass.STANDARD,
        db_default=TaxClass.STANDARD,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # On PostgreSQL also a trigram index on UPPER(name), for searches by part of it
        # (migration 0003).
        indexes = [
            models.Index(fields=["category", "name"]),
            models.Index(fields=["name"], name="product_name"),
            # What the home page shows: the newest products.
            models.Index(fields=["-created_at", "-id"], name="product_newest"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("storefront:product", args=[self.slug])


class Variant(models.Model):
    """A sellable item: what stock, carts and order lines refer to."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    barcode = models.CharField(max_length=64, unique=True, null=True, blank=True)
    #: Variant label shown next to the product name, e.g. "Size M" or "500 g".
    name = models.CharField(max_length=120, blank=True)
    #: Price in the shop currency (settings.SHOP_CURRENCY), taxes included.
    price = models.DecimalField(max_digits=12, decimal_places=2)
    #: Shipping weight in grams, packaging included (methods priced by weight add these up).
    weight_grams = models.PositiveIntegerField(default=0, db_default=0)
    is_active = models.BooleanField(default=True)
    #: Global Trade Item Number (EAN/UPC) printed on the item, check digit validated; blank
    #: when the item has none (feeds then say `identifier_exists: no`).
    gtin = models.CharField(
        "GTIN", max_length=14, blank=True, default="", db_default="", validators=[validate_gtin]
    )
    brand = models.CharField(max_length=100, blank=True, default="", db_default="")
    #: Manufacturer part number.
    mpn = models.CharField("MPN", max_length=70, blank=True, default="", db_default="")

    class Meta:
        ordering = ["product__name", "sku"]
        # On PostgreSQL, UPPER(sku) has an index for prefix searches (catalog migration 0003).
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}".strip() + f" ({self.sku})"

    @property
    def display_name(self) -> str:
        return f"{self.product.name} — {self.name}" if self.name else self.product.name


def product_image_path(image: "ProductImage", filename: str) -> str:
    return f"products/{image.product.slug}/{filename}"


class ProductImage(models.Model):
    """A picture of a product. Its thumbnails are made once, when it is saved (imagekit's
    optimistic strategy), so a page only computes their URLs."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path, max_length=255)
    #: What the picture shows, for people who cannot see it (screen readers, feeds).
    alt = models.CharField("alt text", max_length=200)
    #: Display order; the lowest is the product's main picture.
    position = models.PositiveSmallIntegerField(default=0)

    #: Product cards, the cart, the till and the kiosk.
    thumbnail = ImageSpecField(
        source="image",
        processors=[ResizeToFit(480, 480, upscale=False)],
        format="JPEG",
        options={"quality": 82},
    )
    #: The product page and the feeds' image_link.
    large = ImageSpecField(
        source="image",
        processors=[ResizeToFit(1200, 1200, upscale=False)],
        format="JPEG",
        options={"quality": 85},
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["product", "position", "id"], name="product_image_order")]

    def __str__(self) -> str:
        return f"{self.product.name}: {self.alt}"
