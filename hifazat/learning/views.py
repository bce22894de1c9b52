"""Learning pages: my learning, a course, a lesson, assigning, learning gain, certificates."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hifazat.assessments.models import Attempt
from hifazat.labs.models import Lab
from hifazat.learning import selectors, services
from hifazat.learning.models import Certificate, Course, Lesson, LessonProgress
from hifazat.orgs import access
from hifazat.orgs.access import PUBLIC, SIGNED_IN, any_role, policy
from hifazat.orgs.roles import Role

ASSIGNERS = any_role(Role.PROGRAMME_MANAGER, Role.FOCAL_PERSON, Role.HEAD, Role.PLATFORM_ADMIN)
PROGRESS_READERS = any_role(
    Role.PROGRAMME_MANAGER, Role.FOCAL_PERSON, Role.HEAD, Role.AUDITOR, Role.PLATFORM_ADMIN
)
PROGRAMME_MANAGERS = any_role(Role.PROGRAMME_MANAGER)


@policy(SIGNED_IN)
@require_GET
def my_learning(request):
    context = selectors.my_learning(request.user)
    for course in context["courses"]:
        course.why_not = services.eligibility(request.user, course)
    return render(request, "learning/my_learning.html", context)


@policy(SIGNED_IN)
@require_POST
def enrol(request, course):
    course = get_object_or_404(Course, slug=course)
    try:
        services.enrolment_self(actor=request.user, course=course)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("learning:home")
    return redirect("learning:course", course=course.slug)


@policy(SIGNED_IN)
@require_GET
def course_page(request, course):
    enrolment = selectors.get_enrolment_for_user(request.user, course)
    lessons = selectors.lessons_for(enrolment, get_language())
    done = set(
        LessonProgress.objects.filter(enrolment=enrolment).values_list(
            "module_slug", "lesson_slug"
        )
    )
    modules = []
    for lesson in lessons:
        lesson.done = (lesson.module.slug, lesson.slug) in done
        if not modules or modules[-1][0].pk != lesson.module.pk:
            modules.append((lesson.module, []))
        modules[-1][1].append(lesson)
    labs = {}  # module slug -> the hands-on labs that practise it
    for lab in Lab.objects.filter(
        active=True, module__startswith=enrolment.course.slug + "/"
    ).only("slug", "title", "module"):
        labs.setdefault(lab.module.split("/", 1)[1], []).append(lab)
    for module, _lessons in modules:
        module.labs = labs.get(module.slug, [])
    attempts = list(enrolment.attempts.order_by("kind", "number"))
    pre = next((a for a in attempts if a.kind == Attempt.Kind.PRE), None)
    finals = [a for a in attempts if a.kind == Attempt.Kind.FINAL]
    resume = (
        enrolment.last_lesson if enrolment.last_lesson_id else (lessons[0] if lessons else None)
    )
    context = {
        "enrolment": enrolment,
        "modules": modules,
        "pre": pre,
        "finals": finals,
        "resume": resume,
        "all_done": len(done) >= len({(le.module.slug, le.slug) for le in lessons}),
        "attempts_left": enrolment.version.max_attempts - len(finals),
        "certificate": getattr(enrolment, "certificate", None)
        if enrolment.status == "completed"
        else None,
    }
    return render(request, "learning/course.html", context)


@policy(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def lesson_page(request, course, module, lesson):
    enrolment = selectors.get_enrolment_for_user(request.user, course)
    lessons = selectors.lessons_for(enrolment, get_language())
    index = next(
        (i for i, le in enumerate(lessons) if le.module.slug == module and le.slug == lesson), None
    )
    if index is None:
        raise Http404
    current = lessons[index]
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    if request.method == "POST":
        services.lesson_complete(actor=request.user, enrolment=enrolment, lesson=current)
        if following:
            return redirect("learning:lesson", course, following.module.slug, following.slug)
        return redirect("learning:course", course)
    services.lesson_visit(actor=request.user, enrolment=enrolment, lesson=current)
    other = "en" if current.language == "ur" else "ur"
    context = {
        # Offered when this lesson exists in the other language; progress is kept per lesson,
        # not per language, so switching loses nothing.
        "other_language": other
        if Lesson.objects.filter(
            module_id=current.module_id, slug=current.slug, language=other
        ).exists()
        else None,
        "enrolment": enrolment,
        "lesson": current,
        "previous": lessons[index - 1] if index else None,
        "next": following,
        "position": index + 1,
        "count": len(lessons),
    }
    return render(request, "learning/lesson.html", context)


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(
        queryset=Course.objects.filter(current_version__isnull=False),
        label=gettext_lazy("Course"),
        to_field_name="slug",
    )
    organisation = forms.ChoiceField(
        label=gettext_lazy("Everyone in (with sub-organisations)"), required=False
    )
    people = forms.CharField(
        label=gettext_lazy("Or these people (e-mails or employee numbers, one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = access.managed_organisations(user).order_by("path").only("code", "name", "depth")
        self.fields["organisation"].choices = [("", "—")] + [
            (o.code, "\u2003" * o.depth + o.name) for o in orgs
        ]


@policy(ASSIGNERS)
@require_http_methods(["GET", "POST"])
def assign(request):
    form = AssignForm(request.POST or None, user=request.user)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reachable = access.people_visible_to(request.user).filter(is_active=True)
        if data["organisation"]:
            org = (
                access.managed_organisations(request.user)
                .filter(code=data["organisation"])
                .first()
            )
            people = reachable.filter(org_path__startswith=org.path) if org else reachable.none()
        else:
            keys = [k.strip().lower() for k in data["people"].split() if k.strip()]
            people = reachable.filter(email__in=keys) | reachable.filter(employee_number__in=keys)
        try:
            result = services.course_assign(
                actor=request.user,
                course=data["course"],
                people=people.distinct(),
                due_date=data["due_date"],
            )
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, exc)
    return render(request, "learning/assign.html", {"form": form, "result": result})


@policy(PROGRESS_READERS)
@require_GET
def progress(request):
    courses = Course.objects.filter(current_version__isnull=False)
    rows = []
    for course in courses:
        rows.append(
            (
                course,
                selectors.learning_gain(request.user, course),
                selectors.subtree_progress(request.user, course),
            )
        )
    return render(request, "learning/progress.html", {"rows": rows})


def _own_certificate(user, code) -> Certificate:
    certificate = (
        Certificate.objects.filter(code=code, person=user)
        .select_related("course", "person")
        .first()
    )
    if certificate is None:
        raise Http404
    return certificate


@policy(SIGNED_IN)
@require_GET
def certificate_pdf(request, code):
    from hifazat.learning.certificates import certificate_pdf as make_pdf

    certificate = _own_certificate(request.user, code)
    response = HttpResponse(make_pdf(certificate, request), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="hifazat-certificate-{certificate.code}.pdf"'
    )
    return response


@policy(PUBLIC)
@require_GET
def verify(request, code):
    from hifazat.learning.certificates import verification_allowed

    if not verification_allowed(request):
        return render(request, "learning/verify.html", {"throttled": True}, status=429)
    certificate = (
        Certificate.objects.filter(code=code.strip().upper()).select_related("course").first()
    )
    return render(
        request,
        "learning/verify.html",
        {"certificate": certificate, "code": code},
        status=200 if certificate else 404,
    )


@policy(PROGRAMME_MANAGERS)
@require_http_methods(["GET", "POST"])
def certificate_manage(request, code):
    certificate = get_object_or_404(
        Certificate.objects.select_related("course", "person"), code=code
    )
    if request.method == "POST":
        try:
            services.certificate_revoke(
                actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Certificate revoked."))
        return redirect("learning:certificate_manage", code=code)
    return render(request, "learning/certificate_manage.html", {"certificate": certificate})
