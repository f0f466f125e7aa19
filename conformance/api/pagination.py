from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class OpenportPagination(LimitOffsetPagination):
    """100 a page unless ?limit= asks for more, up to max_limit. DRF reads `count` and then the
    slice in two queries: rows written between them make a page disagree with its count."""

    default_limit = 100
    max_limit = settings.MAX_LIMIT
