"""Repeats and similar petitions (重复信访、相似信访, issue 5).

For a new petition (at intake, before it is saved) or an existing case: ranked earlier cases with the reason
for each (same person, similar text, same street and category lately), through the permission gateway.
The similarity maths is pure and lives in ``xinfang.nlp`` (``textnorm``, ``similarity``); this app keeps
the index in the database (so it survives restarts and works on SQLite and PostgreSQL alike), answers
look-ups, groups similar recent petitions into clusters, and runs ``xinfang bench nlp``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepeatsConfig(AppConfig):
    name = "xinfang.repeats"
    label = "repeats"
    verbose_name = _("重复和相似信访")
