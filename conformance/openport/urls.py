"""API v2 under /api/v2/, routed by DRF's DefaultRouter (trailing slashes, an API root)."""
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api import views

router = DefaultRouter()
router.register("sessions", views.SessionViewSet, basename="session")
router.register("keys", views.KeyViewSet, basename="key")
router.register("openforiplinkclicks", views.OpenForIpLinkClickViewSet, basename="openforiplinkclick")
router.register("nodes", views.NodeViewSet, basename="node")

urlpatterns = [path("api/v2/", include(router.urls))]
