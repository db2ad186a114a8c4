from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints"

    def ready(self):
        from complaints.inbound.webhooks import connect_inbound_webhooks

        connect_inbound_webhooks()  # e-mail providers' inbound webhooks (anymail's signal)
