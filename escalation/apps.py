from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EscalationConfig(AppConfig):
    """Stages, working-day clocks and the ombudsman rules; builds on complaints (see README)."""

    name = "escalation"
    verbose_name = "Escalation"

    def ready(self):
        import escalation.receivers  # noqa: F401  (connects the complaint signal receivers)
        from complaints import merges, notices, placeholders, reply_actions
        from escalation import merges as escalation_merges
        from escalation import selectors, stage_actions, working_days

        working_days.read_adjustments_from(selectors.calendar_adjustments)
        notices.add_notice_context(selectors.notice_rules)
        placeholders.add_placeholders(**selectors.reply_placeholders())
        merges.add_merge_check(escalation_merges.merge_problem)
        reply_actions.add_action_check(stage_actions.reply_template_action_problem)
        post_migrate.connect(setup_roles_after_migrate, sender=self)


def setup_roles_after_migrate(sender, **kwargs):
    """The groups follow escalation/roles.py after every migrate (the permissions exist by then)."""
    from escalation.roles import setup_roles

    setup_roles()
