"""The fields of each resource, in the order the API documentation prints them."""
from rest_framework import serializers

from .models import Key, Node, OpenForIpLinkClick, Session


class KeySerializer(serializers.HyperlinkedModelSerializer):
    class Meta:
        model = Key
        fields = [
            "url",
            "public_key",
            "name",
            "id",
            "last_connection_time",
            "creation_time",
            "redirect_token",
            "bytes_this_month",
            "counter_reset_time",
        ]
        read_only_fields = [
            "last_connection_time",
            "creation_time",
            "redirect_token",
            "bytes_this_month",
            "counter_reset_time",
        ]


class SessionSerializer(serializers.HyperlinkedModelSerializer):
    class Meta:
        model = Session
        fields = [
            "key",
            "port",
            "local_port",
            "server",
            "http_forwarding_address",
            "open_port_for_ip_link",
            "redirect_url",
        ]


class OpenForIpLinkClickSerializer(serializers.ModelSerializer):
    key_name = serializers.CharField(source="key.name", read_only=True, allow_null=True)

    class Meta:
        model = OpenForIpLinkClick
        fields = ["port", "source_ip", "timestamp", "key_name"]


class NodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ["name", "public_ip", "status", "public_dns_name"]
