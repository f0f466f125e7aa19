"""New clicks written while the server runs, as a busy account gets them: after the newest."""
import datetime
import os
import random
import signal
import time

from django.core.management.base import BaseCommand
from django.db.models import Max

from api.models import OpenForIpLinkClick, Session
from api.management.commands.loaddump import instant


class Command(BaseCommand):
    help = "Append clicks to the account of a token: COUNT at once, or RATE a second until stopped."

    def add_arguments(self, parser):
        parser.add_argument("token")
        parser.add_argument("--count", type=int, default=0)
        parser.add_argument("--rate", type=float, default=0)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, token, count, rate, seed, **options):
        from rest_framework.authtoken.models import Token

        user = Token.objects.get(key=token).user
        sessions = list(Session.objects.filter(key__owner=user).order_by("id"))
        rng = random.Random(seed)
        last = OpenForIpLinkClick.objects.filter(owner=user).aggregate(t=Max("timestamp"))["t"]
        last = last or instant(0)

        def append(n):
            nonlocal last
            rows = []
            for _ in range(n):
                last += datetime.timedelta(microseconds=rng.randint(1_000_000, 600_000_000))
                s = rng.choice(sessions)
                ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randint(1, 254)}"
                rows.append(OpenForIpLinkClick(owner=user, key_id=s.key_id, port=s.port, source_ip=ip, timestamp=last))
            OpenForIpLinkClick.objects.bulk_create(rows)

        if count:
            append(count)
        if rate > 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])  # SIGTERM ends it, even if started with it blocked
            # One a 1/rate seconds until killed (or orphaned); each write is its own transaction.
            self.stdout.write("appending\n")
            self.stdout.flush()
            parent = os.getppid()
            while os.getppid() == parent:
                append(1)
                time.sleep(1 / rate)
