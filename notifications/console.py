"""E-mails in development, printed as e-mails: framed, with who they go to, never as log lines (a
worker's redirected output shows each line as a WARNING, which reads like a fault)."""

from django.core.mail.backends.console import EmailBackend


class FramedConsoleBackend(EmailBackend):
    def write_message(self, message):
        """As a person reads it: the headers decoded (not =?utf-8?q?…), the plain-text body, and a
        word on the HTML version, rather than the MIME source."""
        recipients = ", ".join(message.recipients())
        headers = {"From": message.from_email, "To": ", ".join(message.to), "Subject": message.subject}
        if message.reply_to:
            headers["Reply-To"] = ", ".join(message.reply_to)
        lines = [f"{name}: {value}" for name, value in headers.items()]
        lines += ["", *message.body.splitlines()]
        if getattr(message, "alternatives", None):
            lines += ["", "(and the same as HTML)"]
        title = f"┌─ E-mail to {recipients} "
        self.stream.write(title + "─" * max(0, 78 - len(title)) + "\n")
        for line in lines:
            self.stream.write(f"│ {line}\n")
        self.stream.write("└" + "─" * 77 + "\n")
