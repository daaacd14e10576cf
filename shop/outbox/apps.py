from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "shop.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from shop.outbox import email  # noqa: F401  (registers the email handler)
