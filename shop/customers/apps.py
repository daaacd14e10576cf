from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "shop.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from shop.customers import receivers  # noqa: F401
