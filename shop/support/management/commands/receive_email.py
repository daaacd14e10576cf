"""Files inbound email on tickets, for a mail server's pipe (one message on stdin) or a
mailbox file (`--mbox FILE`, every message in it).

Exit status for a pipe: 0 filed, 65 (EX_DATAERR) for a message that cannot be read, so the
mail server bounces it instead of retrying.
"""

import mailbox
import sys

from django.core.management.base import BaseCommand, CommandError

from shop.errors import DomainError
from shop.support.inbound import Received, email_receive

EX_DATAERR = 65


class Command(BaseCommand):
    help = "Files one email from stdin, or each email of a mailbox file, on its ticket."

    def add_arguments(self, parser):
        parser.add_argument("--mbox", metavar="FILE", help="a mailbox (mbox) file to read")

    def handle(self, *args, mbox: str | None = None, **options):
        if mbox is None:
            self._file(sys.stdin.buffer.read(), "stdin")
            return
        try:
            box = mailbox.mbox(mbox, create=False)
            keys = box.keys()
        except (OSError, mailbox.Error) as exc:
            raise CommandError(f"Cannot read the mailbox {mbox}: {exc}") from exc
        failed = 0
        for n, key in enumerate(keys, start=1):
            try:
                self._file(box.get_bytes(key), f"message {n}")
            except CommandError as exc:
                failed += 1
                self.stderr.write(str(exc))
        if failed:
            raise CommandError(f"{failed} of {len(keys)} message(s) not filed.", returncode=1)

    def _file(self, raw: bytes, where: str) -> Received:
        try:
            received = email_receive(raw=raw)
        except DomainError as exc:
            raise CommandError(f"{where}: {exc.message}", returncode=EX_DATAERR) from exc
        outcome = "filed" if received.created else "already received"
        self.stdout.write(f"{where}: {outcome} on {received.ticket.number}")
        return received
