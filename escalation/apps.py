from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EscalationConfig(AppConfig):
    """Stages, working-day clocks and the ombudsman rules; builds on complaints (see README)."""

    name = "escalation"
    verbose_name = "Escalation"

    def ready(self):
        import escalation.receivers  # noqa: F401  (connects the complaint signal receivers)
        from complaints import notices, placeholders
        from escalation import selectors, working_days

        working_days.read_adjustments_from(selectors.calendar_adjustments)
        notices.add_notice_context(selectors.notice_rules)
        placeholders.add_placeholders(**selectors.reply_placeholders())
        post_migrate.connect(setup_roles_after_migrate, sender=self)


def setup_roles_after_migrate(sender, **kwargs):
    """The groups follow escalation/roles.py after every migrate (the permissions exist by then)."""
    from escalation.roles import setup_roles

    setup_roles()
