"""API authentication (DRF's DEFAULT_AUTHENTICATION_CLASSES). Its own module: DRF imports it while
loading its views, so it must not import them back."""

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `Authorization: Token …`, with the user's roles read in the same query.

    Every API request checks roles, so the plain version costs a second query on each one (about 30 a
    second at ten times a peak day). PostgreSQL only (an array subquery); SQLite takes DRF's own path.
    """

    def authenticate_credentials(self, key):
        if connection.vendor != "postgresql":
            return super().authenticate_credentials(key)
        from django.contrib.postgres.expressions import ArraySubquery

        names = Group.objects.filter(user=OuterRef("user_id")).values("name")
        token = (
            self.get_model()
            .objects.select_related("user")
            .annotate(role_names=ArraySubquery(names))
            .filter(key=key)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token.user.assume_roles(token.role_names)
        return token.user, token
