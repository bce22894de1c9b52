"""API authentication: personal access tokens in the Authorization header (Bearer)."""

from ninja.errors import HttpError
from ninja.security import HttpBearer

from hifazat.orgs.models import ApiToken
from hifazat.orgs.tokens import token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = token_authenticate(token)
        if found is None:
            return None  # ninja answers 401
        request.user = found.person
        request.api_token = found
        return found


def require_write(request) -> None:
    if request.api_token.scope != ApiToken.Scope.WRITE:
        raise HttpError(403, "This token is read-only.")
