"""Merging and linking in the complaint admin: "Merge into…" and "Link…" from the possible
duplicates or a typed reference, each through a page that says what will happen, then one service.

Merging is a Complaints manager's (`complaints.merge_complaint`): it closes a complaint for good and
moves the primary's clocks earlier, as correcting a first-received time does. Linking changes
neither, so whoever may change both complaints may link them.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from complaints import merges
from complaints.models import Complaint
from complaints.references import normalise_reference
from notifications.selectors import messages_about_each


class OtherComplaintField(forms.CharField):
    """A complaint's reference as people type it; cleans to the complaint."""

    def __init__(self, **kwargs):
        super().__init__(max_length=30, **kwargs)

    def clean(self, value):
        reference = normalise_reference(super().clean(value))
        complaint = Complaint.objects.filter(reference=reference).first() if reference else None
        if complaint is None:
            raise ValidationError("No complaint has this reference.")
        return complaint


class ChooseOtherForm(forms.Form):
    other = OtherComplaintField(
        label="The other complaint's reference", help_text="For example NS-AB12-CD34."
    )


class MergeForm(forms.Form):
    other = OtherComplaintField(widget=forms.HiddenInput)
    keep = forms.ChoiceField(label="Which complaint stays", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Why they are the same complaint",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on both timelines (staff only).",
    )
    same_customer_confirmed = forms.BooleanField(
        label="I have checked that both are the same customer's",
        required=False,
        help_text="Needed when they share no e-mail address, account number, or postcode and similar name.",
    )

    def __init__(self, *args, complaint: Complaint, other: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (str(each.pk), f"{each.reference}, first received {each.first_received_at:%-d %b %Y}")
            for each in (complaint, other)
        ]


class LinkForm(forms.Form):
    other = OtherComplaintField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Why they are related (optional)", max_length=500, required=False)


class MergeAndLinkViews:
    """The complaint admin's merge, link and unlink pages (mixed into ComplaintAdmin)."""

    def merge_and_link_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/merge/", view(self.merge_view), name="complaints_complaint_merge"),
            path("<int:pk>/link/", view(self.link_view), name="complaints_complaint_link"),
            path(
                "<int:pk>/unlink/<int:other_pk>/",
                view(require_POST(self.unlink_view)),
                name="complaints_complaint_unlink",
            ),
        ]

    def merge_and_link_context(self, request, complaint: Complaint) -> dict:
        """What the change page shows of merges and links: three short queries at most."""
        return {
            "may_merge": request.user.has_perm(merges.MERGE_PERMISSION),
            "merged_into": Complaint.objects.only("pk", "reference").get(pk=complaint.merged_into_id)
            if complaint.merged_into_id
            else None,
            "merged_here": list(complaint.merged_complaints.only("pk", "reference", "merged_into")),
            "related": list(complaint.related_complaints.only("pk", "reference", "customer_name", "status")),
        }

    def merge_view(self, request, pk):
        if not request.user.has_perm(merges.MERGE_PERMISSION):
            raise PermissionDenied
        return self._relate(request, pk, merging=True)

    def link_view(self, request, pk):
        return self._relate(request, pk, merging=False)

    def _relate(self, request, pk, *, merging: bool):
        """Choose the other complaint (or come with ?with=<reference>), see what will happen, confirm."""
        complaint = get_object_or_404(Complaint, pk=pk)
        if not self.has_change_permission(request, complaint):
            raise PermissionDenied
        status, form, other = 200, None, None
        if request.method == "POST":
            other = _other_posted(request.POST.get("other", ""))
            if other is None:
                form, status = ChooseOtherForm(request.POST), 400
                form.is_valid()
        elif "with" in request.GET or "other" in request.GET:  # from a link, or this page's own form
            choose = ChooseOtherForm({"other": request.GET.get("with", request.GET.get("other"))})
            if choose.is_valid() and choose.cleaned_data["other"].pk == complaint.pk:
                choose.add_error("other", "That is this complaint: give the other one's reference.")
            if choose.is_valid():
                other = choose.cleaned_data["other"]
            else:
                form, status = choose, 400
        else:
            form = ChooseOtherForm()
        if other is not None:
            form_class = MergeForm if merging else LinkForm
            options = {"complaint": complaint, "other": other} if merging else {}
            earlier = min((complaint, other), key=lambda each: each.first_received_at)
            form = form_class(
                request.POST if request.method == "POST" else None,
                initial={"other": other.reference, "keep": str(earlier.pk)},
                **options,
            )
            if request.method == "POST":
                if form.is_valid():
                    try:
                        kept = (
                            self._merge(request, complaint, form)
                            if merging
                            else self._link(request, complaint, form)
                        )
                    except ValidationError as refusal:
                        form.add_error(None, refusal)
                    else:
                        return redirect("admin:complaints_complaint_change", kept.pk)
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Merge' if merging else 'Link'} {complaint.reference}",
            "complaint": complaint,
            "other": other,
            "form": form,
            "merging": merging,
            "opts": self.model._meta,
        }
        if other is not None and merging:
            context["summaries"] = [
                (complaint, merges.merge_summary(duplicate=complaint, primary=other)),
                (other, merges.merge_summary(duplicate=other, primary=complaint)),
            ]
            context["earlier"] = min((complaint, other), key=lambda each: each.first_received_at)
            context["alike"] = context["summaries"][0][1].looks_like_the_same_customer
        return TemplateResponse(request, "admin/complaints/complaint/relate.html", context, status=status)

    def _merge(self, request, complaint: Complaint, form: MergeForm) -> Complaint:
        other = form.cleaned_data["other"]
        keep_this = form.cleaned_data["keep"] == str(complaint.pk)
        duplicate, primary = (other, complaint) if keep_this else (complaint, other)
        if not self.has_change_permission(request, other):
            raise PermissionDenied
        primary = merges.merge_complaints(
            duplicate=duplicate,
            primary=primary,
            by=request.user,
            reason=form.cleaned_data["reason"],
            same_customer_confirmed=form.cleaned_data["same_customer_confirmed"],
        )
        self.message_user(
            request, f"{duplicate.reference} merged into {primary.reference}; the customer is told."
        )
        return primary

    def _link(self, request, complaint: Complaint, form: LinkForm) -> Complaint:
        other = form.cleaned_data["other"]
        if not self.has_change_permission(request, other):
            raise PermissionDenied
        merges.link_complaints(
            complaint=complaint, other=other, by=request.user, reason=form.cleaned_data["reason"]
        )
        self.message_user(request, f"{complaint.reference} and {other.reference} linked.")
        return complaint

    def unlink_view(self, request, pk, other_pk):
        complaint = get_object_or_404(Complaint, pk=pk)
        other = get_object_or_404(Complaint, pk=other_pk)
        if not (
            self.has_change_permission(request, complaint) and self.has_change_permission(request, other)
        ):
            raise PermissionDenied
        try:
            merges.unlink_complaints(complaint=complaint, other=other, by=request.user)
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
        else:
            self.message_user(request, f"{complaint.reference} and {other.reference} unlinked.")
        return redirect("admin:complaints_complaint_change", complaint.pk)


def _other_posted(value: str) -> Complaint | None:
    reference = normalise_reference(value)
    return Complaint.objects.filter(reference=reference).first() if reference else None


def messages_of_merged(merged_here: list[Complaint]) -> list:
    """The messages sent about the complaints merged into this one (one query; none if there are none),
    newest first: they stay under the reference they were sent with."""
    if not merged_here:
        return []
    found = messages_about_each([each.reference for each in merged_here])
    return sorted(
        (message for each in found.values() for message in each),
        key=lambda message: (message.created_at, message.pk),
        reverse=True,
    )
