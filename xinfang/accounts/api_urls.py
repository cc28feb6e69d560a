from django.urls import path

from xinfang.accounts import apis

urlpatterns = [
    path("units/", apis.UnitListApi.as_view(), name="api-units"),
]
