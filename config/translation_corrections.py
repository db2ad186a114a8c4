"""Words Django translates itself, corrected in our Welsh catalogue (locale/ comes before Django's
own catalogues). Nothing imports this module: it is here so that `make messages` keeps the entries.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

CORRECTED = (
    # Django's Welsh spells the month "Gorffenaf"; it is Gorffennaf (dates in letters and on pages).
    gettext_noop("July"),
    pgettext_lazy("alt. month", "July"),
)
