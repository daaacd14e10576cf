from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "shop.marketing"
    label = "marketing"
    verbose_name = "Marketing"
