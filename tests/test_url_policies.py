"""Every route declares an access policy; anonymous requests to private routes are refused."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from hifazat.orgs.middleware import view_policy

pytestmark = [pytest.mark.smoke]

SAMPLE_ARGS = {
    "int": "1",
    "str": "MINA",
    "slug": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "x",
}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def sample_path(route: str) -> str:
    # regex routes (admin, allauth): replace groups with a plausible value first
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    route = route.replace("^", "").replace("$", "").replace("\\", "")
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGS.get(m.group(1) or "str", "1"), route)
    return "/" + route


ROUTES = list(walk(get_resolver().url_patterns))


def test_there_are_routes_to_check():
    assert len(ROUTES) > 30


@pytest.mark.parametrize("route,pattern", ROUTES, ids=[r for r, _ in ROUTES])
def test_every_route_declares_a_policy(route, pattern):
    assert view_policy(pattern.callback) is not None, f"{route} has no access policy"


PRIVATE = [
    (r, p) for r, p in ROUTES if view_policy(p.callback) and not view_policy(p.callback).public
]


@pytest.mark.django_db
@pytest.mark.parametrize("route,pattern", PRIVATE, ids=[r for r, _ in PRIVATE])
def test_anonymous_is_sent_to_sign_in(client, route, pattern):
    url = sample_path(route)
    policy = view_policy(pattern.callback)
    statuses = set()
    for method in (client.get, client.post, client.put):
        response = method(url)
        statuses.add(response.status_code)
        if policy.api:
            # 401 for the declared method; an undeclared method may answer 405 first
            assert response.status_code in (401, 405), url
        else:
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), (url, response["Location"])
    if policy.api:
        assert 401 in statuses, url


@pytest.mark.django_db
def test_undeclared_view_is_refused(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from hifazat.orgs.middleware import AccessPolicyMiddleware

    request = rf.get("/x")
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        AccessPolicyMiddleware(lambda r: None).process_view(request, lambda r: None, (), {})
