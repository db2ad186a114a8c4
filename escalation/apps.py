from django.apps import AppConfig


class EscalationConfig(AppConfig):
    """Stages, working-day clocks and the ombudsman rules; builds on complaints (see README)."""

    name = "escalation"
    verbose_name = "Escalation"
