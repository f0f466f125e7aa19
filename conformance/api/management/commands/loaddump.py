"""Loads `opsh-emulator --dump FILE` into a new database: the same rows the emulator serves."""
import datetime
import json

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from api.models import Account, Key, Node, OpenForIpLinkClick, Session

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def instant(micros):
    """A dump's time (µs since the epoch, UTC) as an aware datetime; null stays None."""
    return None if micros is None else EPOCH + datetime.timedelta(microseconds=micros)


class Command(BaseCommand):
    help = "Create the tables and load a data set written by opsh-emulator --dump."

    def add_arguments(self, parser):
        parser.add_argument("dump")

    def handle(self, *args, **options):
        with open(options["dump"], encoding="utf-8") as f:
            data = json.load(f)
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
        with transaction.atomic():
            Node.objects.bulk_create(Node(**node) for node in data["nodes"])
            for n, account in enumerate(data["accounts"]):
                self.load_account(f"account{n}", account)

    def load_account(self, username, account):
        user = User.objects.create(username=username)
        Account.objects.create(user=user, paying=account["paying"])
        Token.objects.create(key=account["token"], user=user)
        Key.objects.bulk_create(
            Key(
                id=k["id"],
                owner=user,
                public_key=k["public_key"],
                name=k["name"],
                last_connection_time=instant(k["last_connection_time"]),
                creation_time=instant(k["creation_time"]),
                redirect_token=k["redirect_token"],
                bytes_this_month=k["bytes_this_month"],
                counter_reset_time=instant(k["counter_reset_time"]),
            )
            for k in account.get("keys", [])
        )
        Session.objects.bulk_create(
            Session(key_id=s.pop("key"), **s) for s in account.get("sessions", [])
        )
        OpenForIpLinkClick.objects.bulk_create(
            (
                OpenForIpLinkClick(owner=user, key_id=key, port=port, source_ip=ip, timestamp=instant(t))
                for port, ip, t, key in account.get("clicks", [])
            ),
            batch_size=5000,
        )
