import re

from django.core.exceptions import ValidationError as ModelValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.services import ENDED_RECORD
from escalation import rules
from integrations import idempotency, selectors, services
from integrations.models import Scope
from integrations.serializers import (
    ClocksSerializer,
    ComplaintFiltersSerializer,
    ComplaintInputSerializer,
    ComplaintSerializer,
    MonthlyFiguresQuerySerializer,
    MonthlyFiguresSerializer,
    NewEntrySerializer,
    RootCauseSerializer,
    StageActionSerializer,
    TimelineEntrySerializer,
)

# An id as a cursor holds it: ASCII digits, no more than a bigint has.
ID_DIGITS = re.compile(r"[0-9]{1,19}")


class ByIdCursor(CursorPagination):
    """A cursor whose position is not an id (forged, or cut short) is a 404, not an error."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not (ID_DIGITS.fullmatch(str(position))):
            raise NotFound(self.invalid_cursor_message)
        return cursor


class NewestFirst(ByIdCursor):
    """Pages that stay right while complaints are filed: a cursor, not a page number. By id, which
    never changes (a complaint's received time may be corrected, and many share one)."""

    ordering = "-id"


class IdempotencyKeyReused(APIException):
    status_code = 422
    default_detail = (
        "This Idempotency-Key was sent before with another request: use a new key for a new request."
    )


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Send the same key to retry safely: within 24 hours the same request gets the first answer.",
)


@extend_schema_view(
    get=extend_schema(parameters=[ComplaintFiltersSerializer]),
    post=extend_schema(
        request=ComplaintInputSerializer, responses={201: ComplaintSerializer}, parameters=[IDEMPOTENCY_KEY]
    ),
)
class ComplaintList(generics.ListCreateAPIView):
    serializer_class = ComplaintSerializer
    pagination_class = NewestFirst
    required_scopes = {"GET": Scope.COMPLAINTS_READ, "POST": Scope.COMPLAINTS_WRITE}

    def get_queryset(self):
        filters = ComplaintFiltersSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.complaints_for_api(filters.validated_data)

    def create(self, request, *args, **kwargs):
        """Open a complaint through the same service and rules as the admin's "Log a complaint"."""
        return idempotently(request, make=lambda: self._open(request), answer=self._answer)

    def _open(self, request) -> str:
        try:
            return services.open_complaint(data=request.data, by=request.auth.user).reference
        except ModelValidationError as refusal:
            raise ValidationError(as_field_errors(refusal)) from None

    def _answer(self, reference: str, *, replayed: bool) -> Response:
        """The complaint as it is now (a replay answers with what it became: anonymised, say)."""
        complaint = selectors.complaints_for_api({}).get(reference=reference)
        headers = {"Location": self.request.build_absolute_uri(reverse("api:complaint", args=[reference]))}
        return replay_marked(
            Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED, headers=headers),
            replayed=replayed,
        )


def idempotently(request, *, make, answer) -> Response:
    """A write with an optional Idempotency-Key: `make()` once (it returns what it made, as a string),
    and `answer(made, replayed=…)`; the same key and request again within a day is answered with what
    the first made, as it is now; the same key with another request is a 422."""
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > idempotency.LONGEST_KEY:
        raise ValidationError({"Idempotency-Key": [f"At most {idempotency.LONGEST_KEY} characters."]})
    if not key.isprintable():
        raise ValidationError({"Idempotency-Key": ["Printable characters only."]})
    if not key:
        return answer(make(), replayed=False)
    print_ = idempotency.fingerprint(request.method, request.path, request.body)
    try:
        earlier = idempotency.made_before(request.auth, key, print_)
        if earlier is not None:
            return answer(earlier, replayed=True)
        made, replayed = idempotency.make_once(request.auth, key, print_, make)
    except idempotency.KeyReused:
        raise IdempotencyKeyReused from None
    return answer(made, replayed=replayed)


def replay_marked(response: Response, *, replayed: bool) -> Response:
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def as_field_errors(refusal: ModelValidationError):
    return refusal.message_dict if hasattr(refusal, "error_dict") else refusal.messages


class RecordEnded(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Nothing more is added to this complaint."


class ComplaintDetail(generics.RetrieveAPIView):
    serializer_class = ComplaintSerializer
    lookup_field = "reference"
    required_scopes = {"GET": Scope.COMPLAINTS_READ}

    def get_queryset(self):
        return selectors.complaints_for_api({})


class OldestFirst(ByIdCursor):
    ordering = "id"


@extend_schema_view(
    post=extend_schema(
        request=NewEntrySerializer, responses={201: TimelineEntrySerializer}, parameters=[IDEMPOTENCY_KEY]
    )
)
class ComplaintTimeline(generics.ListCreateAPIView):
    """A complaint's timeline, oldest first: the customer's history, and the internal entries (notes,
    corrections, assignments) only for a key with timeline:internal. Adding takes timeline:write."""

    serializer_class = TimelineEntrySerializer
    pagination_class = OldestFirst
    required_scopes = {"GET": Scope.COMPLAINTS_READ, "POST": Scope.TIMELINE_WRITE}

    def get_queryset(self):
        return selectors.timeline_for_api(
            self._complaint(), internal=Scope.TIMELINE_INTERNAL in self.request.auth.scopes
        )

    def create(self, request, *args, **kwargs):
        complaint = self._complaint()
        new = NewEntrySerializer(data=request.data)
        new.is_valid(raise_exception=True)

        def add() -> str:
            try:
                entry = services.add_entry(
                    complaint=complaint,
                    by=request.auth.user,
                    kind=NewEntrySerializer.KINDS[new.validated_data["kind"]],
                    body=new.validated_data["body"],
                )
            except ModelValidationError as refusal:
                if refusal.code == ENDED_RECORD:
                    raise RecordEnded(refusal.messages[0]) from None
                raise ValidationError(as_field_errors(refusal)) from None
            return str(entry.pk)

        def answer(entry_id: str, *, replayed: bool) -> Response:
            entry = complaint.timeline.select_related("author").filter(pk=int(entry_id)).first()
            if entry is None:  # a replay after the record was anonymised (its notes wiped)
                raise NotFound("What this request added is no longer on the record.")
            response = Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
            return replay_marked(response, replayed=replayed)

        return idempotently(request, make=add, answer=answer)

    def _complaint(self):
        return generics.get_object_or_404(
            selectors.complaints_for_api({}), reference=self.kwargs["reference"]
        )


class TimelineEntryDetail(generics.RetrieveAPIView):
    """One entry of a complaint's timeline (a webhook's `entry_id`), under the timeline's own rules:
    an internal entry only for a key with timeline:internal (for any other, there is no such entry)."""

    serializer_class = TimelineEntrySerializer
    required_scopes = {"GET": Scope.COMPLAINTS_READ}
    lookup_url_kwarg = "entry_id"

    def get_queryset(self):
        complaint = generics.get_object_or_404(
            selectors.complaints_for_api({}), reference=self.kwargs["reference"]
        )
        return selectors.timeline_for_api(
            complaint, internal=Scope.TIMELINE_INTERNAL in self.request.auth.scopes
        )


class StageActionsNow(generics.GenericAPIView):
    """The stage actions the API takes, and whether each one's rule allows it on this complaint now."""

    required_scopes = {"GET": Scope.COMPLAINTS_READ}
    serializer_class = StageActionSerializer
    pagination_class = None

    @extend_schema(responses=StageActionSerializer(many=True))
    def get(self, request, reference):
        complaint = generics.get_object_or_404(selectors.complaints_for_api({}), reference=reference)
        return Response(StageActionSerializer(services.stage_actions_now(complaint), many=True).data)


class NotAllowedNow(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The rule of this action does not allow it now."


class TakeStageAction(generics.GenericAPIView):
    """One stage action, through the admin's form, rule and service for it: 409 with the rule's
    words when it does not allow it now, writing nothing. Answers with the complaint as it is then."""

    required_scopes = {"POST": Scope.COMPLAINTS_WRITE}
    action = ""  # set for each action's path (integrations/urls.py)

    def get_serializer_class(self):
        return services.API_STAGE_ACTIONS[self.action]

    @extend_schema(responses={200: ComplaintSerializer}, parameters=[IDEMPOTENCY_KEY])
    def post(self, request, reference):
        complaints = selectors.complaints_for_api({})
        complaint = generics.get_object_or_404(complaints, reference=reference)

        def take() -> str:
            try:
                services.take_stage_action(
                    complaint=complaint, action=self.action, data=request.data, by=request.auth.user
                )
            except rules.ActionNotAllowed as refusal:
                raise NotAllowedNow(refusal.messages[0]) from None
            except ModelValidationError as refusal:
                raise ValidationError(as_field_errors(refusal)) from None
            return complaint.reference

        def answer(made: str, *, replayed: bool) -> Response:
            now = complaints.get(reference=made)
            return replay_marked(Response(ComplaintSerializer(now).data), replayed=replayed)

        return idempotently(request, make=take, answer=answer)


class RootCauses(generics.ListAPIView):
    """The root causes a conclusion may name (managers keep the list in the admin)."""

    required_scopes = {"GET": Scope.COMPLAINTS_READ}
    serializer_class = RootCauseSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.root_causes_in_use()


class ComplaintClocks(generics.RetrieveAPIView):
    """A complaint's due dates and next deadline, read only: the clocks move with the complaint."""

    serializer_class = ClocksSerializer
    required_scopes = {"GET": Scope.COMPLAINTS_READ}

    def get_object(self):
        complaint = generics.get_object_or_404(
            selectors.complaints_for_api({}), reference=self.kwargs["reference"]
        )
        return complaint.escalation


class MonthlyReport(APIView):
    """The monthly report's figures (by month first received, by category or channel) as beat last
    stored them, like the report page: the same numbers, never computed on the request."""

    required_scopes = {"GET": Scope.REPORTS_READ}

    @extend_schema(parameters=[MonthlyFiguresQuerySerializer], responses=MonthlyFiguresSerializer)
    def get(self, request):
        query = MonthlyFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by = query.validated_data["by"]
        rows, computed_at = selectors.monthly_figures(by=by)
        return Response(MonthlyFiguresSerializer({"by": by, "computed_at": computed_at, "rows": rows}).data)


class NoSuchEndpoint(APIView):
    """Any other path under /api/v1/: a 404 in the API's own shape (no key needed to learn that)."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    @extend_schema(exclude=True)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("No such endpoint: see /api/v1/schema/ (paths end with a slash).")
