"""The account's data: keys, live sessions, open-for-IP-link clicks, and openport's nodes."""
import secrets
import string

from django.conf import settings
from django.db import models
from django.utils import timezone

from .validators import validate_public_key


class Account(models.Model):
    """What a token's user pays for: the API answers paying accounts only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    paying = models.BooleanField(default=True)


def new_redirect_token():
    return "".join(secrets.choice(string.ascii_letters) for _ in range(7))


class Key(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="keys")
    public_key = models.TextField(validators=[validate_public_key])
    name = models.CharField(max_length=255)
    last_connection_time = models.DateTimeField(null=True)
    creation_time = models.DateTimeField(default=timezone.now)
    redirect_token = models.CharField(max_length=32, default=new_redirect_token)
    bytes_this_month = models.BigIntegerField(default=0)
    counter_reset_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class Session(models.Model):
    """A live session of a key (deleted with it)."""

    key = models.ForeignKey(Key, on_delete=models.CASCADE, related_name="sessions")
    port = models.PositiveIntegerField()
    local_port = models.PositiveIntegerField()
    server = models.CharField(max_length=255)
    http_forwarding_address = models.CharField(max_length=255, null=True)
    open_port_for_ip_link = models.CharField(max_length=255)
    redirect_url = models.CharField(max_length=255)

    class Meta:
        ordering = ["id"]


class OpenForIpLinkClick(models.Model):
    """A visit to a session's open-for-IP link. Its key name is read through the key, so a
    renamed key relabels its clicks and a deleted one leaves them with no name."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clicks")
    key = models.ForeignKey(Key, on_delete=models.SET_NULL, null=True, related_name="clicks")
    port = models.PositiveIntegerField()
    source_ip = models.GenericIPAddressField()
    timestamp = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "timestamp", "id"])]


class Node(models.Model):
    name = models.CharField(max_length=255)
    public_ip = models.GenericIPAddressField()
    status = models.CharField(max_length=32)
    public_dns_name = models.CharField(max_length=255)

    class Meta:
        ordering = ["id"]
