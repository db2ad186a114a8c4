"""The complaint events other apps may react to. Sent inside the writing transaction.

- complaint_filed(complaint): a complaint was filed online or logged by staff.
- complaint_status_changed(complaint, old_status, new_status, by, note): a status changed; `note` is
  what staff wrote with it (when an unresolved complaint is closed, our final position).
- complaint_details_changed(complaint, fields, by): recorded details changed (`fields`, a set of
  field names: the category, the first-received time), so whatever is computed from them is stale.
- complaints_merged(duplicate, primary, by): `duplicate` was merged into `primary` (its status is
  merged, its records moved, the primary's first-received time the earlier of the two), so whatever
  the duplicate had done for the customer (an acknowledgement, an ADR letter) now counts for the primary.
- customer_message_received(complaint, entry): the customer wrote on their complaint (in the portal
  or by e-mail); `entry` is the timeline entry that holds it.
"""

from django.dispatch import Signal

complaint_filed = Signal()
complaint_status_changed = Signal()
complaint_details_changed = Signal()
complaints_merged = Signal()
customer_message_received = Signal()
