"""The outbox's one event, for apps that must know a message actually went (not merely was queued).

- message_sent(message): an outbox message reached its channel: an e-mail handed to the mail server,
  a letter marked posted by staff, a call marked made. Sent inside the transaction that marks it;
  `message.reference`, `template_key` and `context` are the caller's own free text and values.
"""

from django.dispatch import Signal

message_sent = Signal()
