"""E-mails in development, printed as e-mails: framed, with who they go to, never as log lines (a
worker's redirected output shows each line as a WARNING, which reads like a fault)."""

from django.core.mail.backends.console import EmailBackend


class FramedConsoleBackend(EmailBackend):
    def write_message(self, message):
        text = message.message().as_bytes().decode("utf-8", errors="replace")
        recipients = ", ".join(message.recipients())
        title = f"┌─ E-mail to {recipients} "
        self.stream.write(title + "─" * max(0, 78 - len(title)) + "\n")
        for line in text.splitlines():
            self.stream.write(f"│ {line}\n")
        self.stream.write("└" + "─" * 77 + "\n")
