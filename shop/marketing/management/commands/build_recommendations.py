from django.core.management.base import BaseCommand

from shop.marketing.recommendations import recommendations_build


class Command(BaseCommand):
    help = "Recomputes the item-to-item similarity table and the best sellers, once."

    def handle(self, *args, **options):
        self.stdout.write(f"Recommendations: {recommendations_build()}")
