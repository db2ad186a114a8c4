"""A starter root-cause taxonomy and the automatic compensation rates from 1 April 2026.

The taxonomy is a starting point: managers rename, add and retire causes in the admin.

The rates: £10.34 a calendar day for a delayed repair, £32.31 a missed appointment and £6.46 a
calendar day for a delayed provision, in force from 1 April 2026. These are the figures the issue
gives. They are NOT verified against Ofcom's own publication: the only sources found for them were
third-party consumer pages (linkspeed.co.uk/switching-rights/broadband-compensation-calculator.php
and /missed-engineer-appointment-compensation.php, both "from 1 April 2026"; kaeltripton.com's
delayed-repair page, "£10.34 per day (the rate in force from 1 April 2026)"). Check them against
Ofcom's "Automatic compensation: what you need to know" (ofcom.org.uk, advice for consumers) and
correct them in the admin if they differ (the amounts owed are worked out again on save).

Earlier rates are not seeded: the scheme started on 1 April 2019 at £8 a day, £25 an appointment
and £5 a day (Ofcom's statement of 10 November 2017, "Automatic Compensation: Protecting consumers
from service quality problems"), and has been uprated each April since, but no reliable source for
the 2020-2025 figures was found. Seeding only 2019 would price 2020-2025 days at the 2019 rates,
silently too low; without a rate, the calculator counts those days as "no rate recorded" and the
complaint page says so, until staff enter the rate that was in force then.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

TAXONOMY = {
    "Billing": [
        "Wrong charge after cancellation",
        "Price rise not as agreed",
        "Charged for a service not received",
        "Refund or credit not applied",
    ],
    "Fault": ["Repeated line drop", "Total loss of service", "Slow speeds", "Router or equipment fault"],
    "Installation": [
        "Engineer missed or late",
        "Service not started on the promised date",
        "Installation left incomplete",
    ],
    "Contract": [
        "Cancellation or move not handled",
        "Early termination charge disputed",
        "Mis-sold contract",
    ],
    "Customer service": ["Promise not kept", "No reply or poor communication", "Unhelpful staff"],
    "Data protection": ["Personal data mishandled"],
    "Other": ["Something else"],
}

RATES_FROM_1_APRIL_2026 = {
    "delayed_repair": Decimal("10.34"),
    "missed_appointment": Decimal("32.31"),
    "delayed_provision": Decimal("6.46"),
}
RATES_SOURCE = "As issue 14 gives them; not yet checked against Ofcom's publication (see migration escalation 0014)."


def seed(apps, schema_editor):
    group_model = apps.get_model("escalation", "RootCauseGroup")
    cause_model = apps.get_model("escalation", "RootCause")
    rate_model = apps.get_model("escalation", "CompensationRate")
    for group_name, causes in TAXONOMY.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        for cause in causes:
            cause_model.objects.get_or_create(group=group, name=cause)
    for kind, amount in RATES_FROM_1_APRIL_2026.items():
        rate_model.objects.get_or_create(
            kind=kind,
            effective_from=date(2026, 4, 1),
            defaults={"amount": amount, "source": RATES_SOURCE},
        )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0013_root_causes_redress_compensation")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
