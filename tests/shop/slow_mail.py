"""Email backends that take their time, so a test can catch a deliverer inside a send.

Each waits `delay` seconds (an OPTIONS entry of MAILERS) before doing what its Django parent
does. `SlowFileBackend` first leaves a `sending-<pid>` note in its folder: a process killed
during the wait leaves the note and no message file.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased, locmem


class _Slow:
    def __init__(self, *args, delay: float = 0.0, **kwargs):
        self.delay = delay
        super().__init__(*args, **kwargs)

    def sending(self) -> None:
        """Called as a send starts, before the wait."""

    def send_messages(self, messages):
        self.sending()
        time.sleep(self.delay)
        return super().send_messages(messages)


class SlowFileBackend(_Slow, filebased.EmailBackend):
    """Writes each message as a `.log` file into `file_path`, like Django's file backend."""

    def sending(self) -> None:
        Path(self.file_path, f"sending-{os.getpid()}").touch()


class SlowMemoryBackend(_Slow, locmem.EmailBackend):
    """Keeps the messages in `django.core.mail.outbox`, like Django's test backend."""
