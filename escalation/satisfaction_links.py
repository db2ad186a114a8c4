"""The satisfaction survey's links: signed, salted tokens naming one complaint, with the time they
were made. A survey link lasts as long as the survey is open; the "don't ask me again" link as long
as a private link does."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from complaints.tracking_links import TRACKING_LINK_LIFETIME

_SURVEY_SALT = "escalation.satisfaction-survey"
_STOP_SALT = "escalation.satisfaction-survey.stop"


class SurveyLinkExpired(Exception):
    """A genuine survey link past its time: which complaint it names, so the page can say it closed."""

    def __init__(self, complaint_id: int):
        super().__init__(complaint_id)
        self.complaint_id = complaint_id


def make_survey_token(complaint_id: int) -> str:
    return signing.TimestampSigner(salt=_SURVEY_SALT).sign(str(complaint_id))


def read_survey_token(token: str, *, max_age) -> int | None:
    """The complaint id of a genuine token made within `max_age`; None for a token that is not ours.
    A genuine one made longer ago raises `SurveyLinkExpired`."""
    signer = signing.TimestampSigner(salt=_SURVEY_SALT)
    try:
        value = signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise SurveyLinkExpired(_complaint_id(signer.unsign(token))) from None
    except signing.BadSignature:
        return None
    return _complaint_id(value)


def make_stop_token(complaint_id: int) -> str:
    return signing.TimestampSigner(salt=_STOP_SALT).sign(str(complaint_id))


def read_stop_token(token: str) -> int | None:
    try:
        value = signing.TimestampSigner(salt=_STOP_SALT).unsign(token, max_age=TRACKING_LINK_LIFETIME)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return _complaint_id(value)


def _complaint_id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


def survey_links(survey) -> dict:
    """The invitation's links, absolute: one per score (the page opens with it chosen; nothing is
    recorded until the customer presses Send) and "don't ask me again"."""
    page = settings.PORTAL_BASE_URL + reverse("escalation:survey", args=[make_survey_token(survey.pk)])
    stop = settings.PORTAL_BASE_URL + reverse("escalation:survey_stop", args=[make_stop_token(survey.pk)])
    return {
        "survey_url": page,
        "score_urls": [(score, f"{page}?score={score}") for score in range(1, 6)],
        "stop_surveys_url": stop,
    }
