from django.db import models
from django.urls import reverse


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
