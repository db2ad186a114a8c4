from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination

from integrations import selectors
from integrations.models import Scope
from integrations.serializers import ComplaintFiltersSerializer, ComplaintSerializer


class NewestFirst(CursorPagination):
    """Pages that stay right while complaints are filed: a cursor, not a page number. By id, which
    never changes (a complaint's received time may be corrected, and many share one)."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema(parameters=[ComplaintFiltersSerializer])
class ComplaintList(generics.ListAPIView):
    serializer_class = ComplaintSerializer
    pagination_class = NewestFirst
    required_scopes = {"GET": Scope.COMPLAINTS_READ}

    def get_queryset(self):
        filters = ComplaintFiltersSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.complaints_for_api(filters.validated_data)


class ComplaintDetail(generics.RetrieveAPIView):
    serializer_class = ComplaintSerializer
    lookup_field = "reference"
    required_scopes = {"GET": Scope.COMPLAINTS_READ}

    def get_queryset(self):
        return selectors.complaints_for_api({})
