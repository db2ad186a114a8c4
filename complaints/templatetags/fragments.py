"""`{% static_fragment "name" %}…{% endstatic_fragment %}`: a part of a page that depends on nothing
but the code, the settings and the language (the footer, the contact hours, an empty form),
rendered once per process and reused on every page after.

`{% static_fragment "name" value %}` keeps one rendering for each value (the stage steps, one for
each of the four stages): a value with a handful of possible states, never more.

Only for text every visitor gets byte for byte: never personal data, a request's values or a
CSRF token. A test that changes a setting clears what was kept.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation

register = template.Library()

_rendered: dict[tuple, str] = {}


class StaticFragmentNode(template.Node):
    def __init__(self, name: str, variants: list[template.base.FilterExpression], nodelist):
        self.name = name
        self.variants = variants
        self.nodelist = nodelist

    def render(self, context):
        # The same words in each language, and one rendering per variant.
        key = (
            self.name,
            translation.get_language(),
            *(variant.resolve(context) for variant in self.variants),
        )
        text = _rendered.get(key)
        if text is None:
            text = self.nodelist.render(context)
            if "csrfmiddlewaretoken" in text:
                # One visitor's token, served to every later one, is refused as forged (403).
                raise template.TemplateSyntaxError(
                    f"The static fragment {self.name!r} holds a CSRF token: render the token outside it "
                    "(crispy forms: helper.disable_csrf = True)."
                )
            _rendered[key] = text
        return text


@register.tag
def static_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            'Use {% static_fragment "name" %} or {% static_fragment "name" value %}'
        )
    nodelist = parser.parse(("endstatic_fragment",))
    parser.delete_first_token()
    variants = [parser.compile_filter(bit) for bit in bits[2:]]
    return StaticFragmentNode(bits[1].strip("\"'"), variants, nodelist)


@receiver(setting_changed)
def _forget_fragments(**kwargs):
    _rendered.clear()
