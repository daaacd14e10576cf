from django.core.management.base import BaseCommand, CommandError

from shop.journal.verify import journal_verify


class Command(BaseCommand):
    help = "Walks every chain of the sales journal and names the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--archive", help="Verify an archive written by export_sales_journal instead (offline)"
        )
        parser.add_argument("--key", help="The archive's signing key (default: the shop's)")

    def handle(self, *args, archive=None, key=None, **options):
        if archive:
            from shop.journal.archive import archive_verify

            problems = archive_verify(archive, key=key)
            if problems:
                raise CommandError(f"Archive {archive} does not verify: {problems[0]}")
            self.stdout.write(f"Archive {archive} verifies: signature and chains intact.")
            return
        result = journal_verify()
        if result.ok:
            self.stdout.write(
                f"The sales journal verifies: {result.entries} entries and "
                f"{result.closings} closings, all intact."
            )
            return
        if result.first_broken is None:
            closing, reason = result.broken_closing
            raise CommandError(f"Broken at closing {closing} (id {closing.pk}): {reason}.")
        broken = result.first_broken
        raise CommandError(
            f"Broken at entry {broken.entry.number} (id {broken.entry.pk}, chain "
            f"{broken.entry.chain.key}, number {broken.entry.sequence}): {broken.reason}."
        )
