"""/repeats/: the intake panel and the case page's similar cases (htmx fragments), and clusters."""

from xinfang.repeats import views

app_name = "repeats"
urlpatterns = [*views.urlpatterns]
