from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "shop.journal"
    label = "journal"
    verbose_name = "Sales journal"

    def ready(self) -> None:
        from shop.journal import receivers  # noqa: F401
