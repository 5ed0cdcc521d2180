"""The page-number pagination every API list uses (DEFAULT_PAGINATION_CLASS).

A module of its own: DRF imports it while defining its generic views, so it imports nothing that
imports them back (core.api pulls in drf-spectacular, which does).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page numbers, with ?page_size= so pickers can take a whole short list (e.g. 403 categories).

    A page_size that is not a whole number from 1 to 500 is a 400 naming it (DRF ignored -1, 0 and
    "abc" and quietly cut 1000 to 500, so a client never learnt it had not got what it asked for).
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        _("每页条数须为 1 至 %(max)s 之间的整数") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)
