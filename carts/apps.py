from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "carts"
    label = "carts"
    verbose_name = "Carts"

    def ready(self) -> None:
        from carts import receivers  # noqa: F401
