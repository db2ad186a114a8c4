"""The complaint events other apps may react to. Sent inside the writing transaction.

- complaint_filed(complaint): a complaint was filed online or logged by staff.
- complaint_status_changed(complaint, old_status, new_status, changed_by): a status changed.
"""

from django.dispatch import Signal

complaint_filed = Signal()
complaint_status_changed = Signal()
