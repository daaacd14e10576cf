from django.conf import settings
from django.core.management.base import BaseCommand

from shop.marketing.evaluation import (
    catalog_by_category,
    evaluate,
    generated_histories,
    purchase_histories,
)


class Command(BaseCommand):
    help = (
        "Prints the hit rate at k of the recommendations on each customer's held-out last "
        "purchase, against the popularity baseline: on the shop's own history, and on it plus "
        "a generated history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--generated", type=int, default=2000, help="generated customers")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, k: int, generated: int, seed: int, **options):
        support = settings.RECOMMENDATION_MIN_SUPPORT
        own = purchase_histories()
        self.stdout.write(f"Shop history: {evaluate(own, k=k, min_support=support)}")
        extra = generated_histories(catalog_by_category(), customers=generated, seed=seed)
        both = {**own, **extra}
        self.stdout.write(
            f"Shop history + {generated} generated: {evaluate(both, k=k, min_support=support)}"
        )
