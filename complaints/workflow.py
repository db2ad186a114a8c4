"""The complaint's status on one screen: which status may follow which."""

from complaints.models import Complaint

Status = Complaint.Status

# Merged (into another complaint, complaints/merges.py) is final, like closed; only a complaint not
# yet closed may be merged.
ALLOWED_STATUS_CHANGES: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {Status.IN_PROGRESS, Status.RESOLUTION_PROPOSED, Status.RESOLVED, Status.CLOSED, Status.MERGED}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.RESOLUTION_PROPOSED, Status.RESOLVED, Status.CLOSED, Status.MERGED}
    ),
    Status.RESOLUTION_PROPOSED: frozenset(
        {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.MERGED}
    ),
    Status.RESOLVED: frozenset(
        {Status.IN_PROGRESS, Status.CLOSED, Status.MERGED}
    ),  # reopened, closed, merged
    Status.CLOSED: frozenset(),
    Status.MERGED: frozenset(),
}


# Statuses in which a complaint is still being dealt with: its clocks run. Not merged: the primary
# it was merged into runs them.
OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.RESOLUTION_PROPOSED)


# Statuses that end a complaint's handling: closed, or merged into another.
FINAL_STATUSES = (Status.CLOSED, Status.MERGED)


def can_change_status(current: str, new: str) -> bool:
    return new in ALLOWED_STATUS_CHANGES[current]
