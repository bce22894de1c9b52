from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from hifazat.core.models import WorkerHeartbeat
from hifazat.lib.urls import safe_next
from hifazat.orgs import access
from hifazat.orgs.access import PUBLIC, SIGNED_IN, policy
from hifazat.orgs.services import person_set_language


@policy(SIGNED_IN)
@require_GET
def home(request):
    assignments = access.current_assignments(request.user)
    return render(request, "core/home.html", {"assignments": assignments})


@policy(PUBLIC)
@require_GET
@never_cache
def healthz(request):
    """Database reachable, and a worker seen within three heartbeats."""
    status = {"database": "ok", "worker": "missing"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        last = (
            WorkerHeartbeat.objects.order_by("-last_seen")
            .values_list("last_seen", flat=True)
            .first()
        )
    except Exception:
        return JsonResponse({"database": "error", "worker": "unknown"}, status=503)
    if last is not None:
        age = (timezone.now() - last).total_seconds()
        status["worker_last_seen_seconds"] = round(age, 1)
        status["worker"] = "ok" if age <= 3 * settings.WORKER_HEARTBEAT_SECONDS else "stale"
    if status["worker"] != "ok":
        code = 503
    status["status"] = "ok" if code == 200 else "degraded"
    return JsonResponse(status, status=code)


@policy(PUBLIC)
@require_POST
def set_language(request):
    """Django's language switch (it keeps `next` on-site), remembered for signed-in people."""
    request.POST = request.POST.copy()
    request.POST["next"] = safe_next(request.POST.get("next"))
    response = django_set_language(request)
    if request.user.is_authenticated:
        person_set_language(actor=request.user, language=request.POST.get("language", ""))
    if not isinstance(response, HttpResponseRedirect):
        return HttpResponseRedirect("/")
    return response


def not_found(request, exception=None):
    """404 as JSON under /api/, as the page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    from django.views.defaults import server_error as page

    return page(request)
