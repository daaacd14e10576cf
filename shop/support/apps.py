from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "shop.support"
    label = "support"
    verbose_name = "Service requests"

    def ready(self) -> None:
        from shop.support import receivers  # noqa: F401
