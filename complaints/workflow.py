"""The complaint's status on one screen: which status may follow which."""

from complaints.models import Complaint

Status = Complaint.Status

ALLOWED_STATUS_CHANGES: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {Status.IN_PROGRESS, Status.RESOLUTION_PROPOSED, Status.RESOLVED, Status.CLOSED}
    ),
    Status.IN_PROGRESS: frozenset({Status.RESOLUTION_PROPOSED, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLUTION_PROPOSED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),  # reopened, or closed
    Status.CLOSED: frozenset(),
}


# Statuses in which a complaint is still being dealt with: its clocks run.
OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.RESOLUTION_PROPOSED)


def can_change_status(current: str, new: str) -> bool:
    return new in ALLOWED_STATUS_CHANGES[current]
