"""The API's writes: each through the service the admin uses for the same thing."""

from django.core.exceptions import ValidationError

from complaints import services
from complaints.models import Complaint, TimelineEntry
from integrations.forms import ApiComplaintForm
from integrations.serializers import ComplaintInputSerializer


def open_complaint(*, data, by) -> Complaint:
    """A complaint from another system, checked by the admin's "Log a complaint" rules and filed by
    the same service (so acknowledged and clocked as any other); ValidationError by field if not."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Send the complaint as a JSON object."]})
    typed = ComplaintInputSerializer(data=data)
    if not typed.is_valid():
        raise ValidationError(
            {field: [str(error) for error in errors] for field, errors in typed.errors.items()}
        )
    form = ApiComplaintForm(data=typed.validated_data)
    if not form.is_valid():
        raise ValidationError(
            {
                field: [error["message"] for error in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )
    return services.file_complaint(**form.cleaned_data, by=by)


def add_entry(*, complaint: Complaint, by, kind: str, body: str) -> TimelineEntry:
    """A call or a letter through the same service as the admin's; a note likewise."""
    if kind == TimelineEntry.Kind.INTERNAL_NOTE:
        return services.add_internal_note(complaint=complaint, by=by, body=body)
    return services.log_contact(complaint=complaint, by=by, kind=kind, body=body)
