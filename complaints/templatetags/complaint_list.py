"""`{% complaint_result_list cl %}`: Django's `{% result_list cl %}` with the rows of admin_rows.py."""

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template import Library

from complaints.admin_rows import result_rows

register = Library()


def complaint_result_list(cl):
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": result_rows(cl),
    }


@register.tag(name="complaint_result_list")
def complaint_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=complaint_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
