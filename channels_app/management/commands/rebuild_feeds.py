from typing import Any

from django.core.management.base import BaseCommand

from channels_app.feeds.snapshots import FEEDS, feeds_rebuild
from channels_app.models import FeedSnapshot


class Command(BaseCommand):
    help = "Rebuilds the product feeds whose stock changed (all of them with --force)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Rebuild every feed.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        rebuilt = feeds_rebuild(force=force)
        for snapshot in FeedSnapshot.objects.filter(name__in=FEEDS).order_by("name"):
            state = "rebuilt" if snapshot.name in rebuilt else "unchanged"
            self.stdout.write(
                f"{snapshot.name:<22} {state:<9} {snapshot.items:>7} items, "
                f"{len(snapshot.report)} in the report, built in {snapshot.build_seconds}s"
            )
