"""openport.io takes the account's token as ?token= (DRF's TokenAuthentication reads a header)."""
from rest_framework.authentication import TokenAuthentication


class QueryTokenAuthentication(TokenAuthentication):
    """`?token=SECRET` when given, else `Authorization: Token SECRET`; DRF's own 401 bodies."""

    def authenticate(self, request):
        token = request.query_params.get("token")
        if token:
            return self.authenticate_credentials(token)
        return super().authenticate(request)
