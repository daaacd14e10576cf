from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "shop.marketing"
    label = "marketing"
    verbose_name = "Marketing"

    def ready(self) -> None:
        from shop.marketing import receivers  # noqa: F401
