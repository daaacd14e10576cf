from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "shop.journal"
    label = "journal"
    verbose_name = "Sales journal"
