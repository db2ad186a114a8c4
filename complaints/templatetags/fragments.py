"""`{% static_fragment "name" %}…{% endstatic_fragment %}`: a part of a page that depends on nothing
but the code and the settings (the footer, the contact hours, an empty form), rendered once per
process and reused on every page after.

Only for text every visitor gets byte for byte: never personal data, a request's values or a
CSRF token. A test that changes a setting clears what was kept.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver

register = template.Library()

_rendered: dict[str, str] = {}


class StaticFragmentNode(template.Node):
    def __init__(self, name: str, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        text = _rendered.get(self.name)
        if text is None:
            text = _rendered[self.name] = self.nodelist.render(context)
        return text


@register.tag
def static_fragment(parser, token):
    try:
        _, quoted_name = token.split_contents()
    except ValueError as error:
        raise template.TemplateSyntaxError('Use {% static_fragment "name" %}') from error
    nodelist = parser.parse(("endstatic_fragment",))
    parser.delete_first_token()
    return StaticFragmentNode(quoted_name.strip("\"'"), nodelist)


@receiver(setting_changed)
def _forget_fragments(**kwargs):
    _rendered.clear()
