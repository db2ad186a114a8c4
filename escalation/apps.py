from django.apps import AppConfig


class EscalationConfig(AppConfig):
    """Stages, working-day clocks and the ombudsman rules; builds on complaints (see README)."""

    name = "escalation"
    verbose_name = "Escalation"

    def ready(self):
        from escalation import (
            receivers,  # noqa: F401  (connects the complaint signal receivers)
            selectors,
            working_days,
        )

        working_days.read_adjustments_from(selectors.calendar_adjustments)
