from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shop.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from shop.catalog import receivers  # noqa: F401
