from rest_framework.permissions import BasePermission


class IsPayingAccount(BasePermission):
    """The API needs a paying account: a valid token of any other account gets DRF's 403."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "account", None) and user.account.paying)
