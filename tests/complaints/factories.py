import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Complaint
from complaints.references import generate_reference
from complaints.signals import complaint_filed

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_upload(name="photo.png", size=None):
    content = PNG_BYTES if size is None else PNG_BYTES + b"\x00" * (size - len(PNG_BYTES))
    return SimpleUploadedFile(name, content, content_type="image/png")


def pdf_upload(name="bill.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@netservers.example")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A complaint row as the service would write it (without its timeline or outbox messages)."""

    class Meta:
        model = Complaint
        skip_postgeneration_save = True

    reference = factory.LazyFunction(generate_reference)
    tracking_key = factory.Faker("pystr", min_chars=22, max_chars=22)
    category = Complaint.Category.BILLING
    customer_type = Complaint.CustomerType.RESIDENTIAL
    customer_name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = "01223 446000"
    postal_address = "1 High Street\nCambridge"
    postcode = "CB5 8LA"
    reply_preference = Complaint.ReplyPreference.EMAIL
    description = factory.Faker("paragraph")
    first_received_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def filed(complaint, create, extracted, **kwargs):
        """Announce it as the filing service would, so other apps set it up (escalation's clocks);
        `ComplaintFactory(filed=False)` makes a bare row."""
        if create and extracted is not False:
            complaint_filed.send(sender=Complaint, complaint=complaint)


def complaint_form_data(**overrides) -> dict:
    """What a customer types into the filing form, valid unless overridden."""
    data = {
        "customer_name": "Zoë O'Brien",
        "email": "zoe@example.com",
        "phone": "07700 900123",
        "postal_address": "1 High Street\nCambridge",
        "postcode": "cb5 8la",
        "account_number": "",
        "customer_type": Complaint.CustomerType.RESIDENTIAL,
        "category": Complaint.Category.BROADBAND_FAULT,
        "description": "My broadband has dropped every evening for a week.",
        "reply_preference": Complaint.ReplyPreference.EMAIL,
        "support_needs": "",
    }
    data.update(overrides)
    return data
