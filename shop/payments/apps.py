from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from shop.payments import (  # noqa: F401  (the refund outbox handler, the receivers)
            receivers,
            refunds,
        )
