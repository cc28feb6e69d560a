"""The staff workbench pages of cases, one module per area; each module lists its own ``urlpatterns``."""
