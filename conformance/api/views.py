"""The API's resources as DRF viewsets, each scoped to the token's account."""
from django.conf import settings
from django.db.models import F
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny

from .models import Key, Node, OpenForIpLinkClick, Session
from .serializers import KeySerializer, NodeSerializer, OpenForIpLinkClickSerializer, SessionSerializer


class SessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer

    def get_queryset(self):
        return Session.objects.filter(key__owner=self.request.user)


class KeyViewSet(viewsets.ModelViewSet):
    serializer_class = KeySerializer

    def get_queryset(self):
        return Key.objects.filter(owner=self.request.user)

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


def click_ordering():
    """By when the click happened, newest or oldest first as configured; clicks without a time
    sort as PostgreSQL sorts NULL (above every time), the id breaking ties."""
    if settings.CLICK_ORDER == "oldest":
        return [F("timestamp").asc(nulls_last=True), "id"]
    return [F("timestamp").desc(nulls_first=True), "-id"]


class OpenForIpLinkClickViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OpenForIpLinkClickSerializer

    def get_queryset(self):
        clicks = OpenForIpLinkClick.objects.filter(owner=self.request.user).select_related("key")
        return clicks.order_by(*click_ordering())


class NodeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    # Answers without a token; a token given is still checked (DRF authenticates first).
    serializer_class = NodeSerializer
    permission_classes = [AllowAny]
    queryset = Node.objects.all()
