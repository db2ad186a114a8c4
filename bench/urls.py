"""The portal's URLs plus the capacity floor: a bare view behind the same middleware (bench only)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler500  # noqa: F401 - handler500 re-exported
from config.urls import urlpatterns as portal_urlpatterns


def floor(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *portal_urlpatterns]
