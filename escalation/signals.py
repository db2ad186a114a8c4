"""The escalation events other apps may react to (integrations' webhooks). Sent inside the writing
transaction, so a listener's writes commit or roll back with the change.

- stage_changed(complaint, from_stage, to_stage, by): a complaint moved to another stage.
- deadlines_overdue(overdue): the deadline sweep found deadlines passed unanswered, each once
  (`overdue`: a list of `OverdueDeadline`, every one a complaint, its deadline's kind and due date).
- adr_letter_sent(complaint, sent_at, channel, at_deadlock): the customer's written notice of their
  right to the ombudsman went (the first sending of each kind; a retry or a second posting is not sent).
- ombudsman_decision_recorded(complaint, ombudsman_case): the ombudsman's decision, or the
  customer's answer to it, was recorded.
"""

from dataclasses import dataclass
from datetime import date

from django.dispatch import Signal

stage_changed = Signal()
deadlines_overdue = Signal()
adr_letter_sent = Signal()
ombudsman_decision_recorded = Signal()


@dataclass(frozen=True)
class OverdueDeadline:
    complaint: object  # complaints.models.Complaint
    kind: str  # escalation.clocks.DeadlineKind
    due: date
    stage: int
