from django.conf import settings


def company_and_scheme(request):
    """The provider's and the ombudsman's details, which every page's footer and text use."""
    return {
        "company": settings.COMPANY,
        "adr_scheme": settings.ADR_SCHEME,
        "ispa_member": settings.ISPA_MEMBER,
    }
