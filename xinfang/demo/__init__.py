"""The demo district (`xinfang seed-demo`): units and categories of a district modelled on Shanghai's
闵行区, users for every role, and a few hundred petitions driven through the services with realistic
dates (``clock_at``).

- ``district``: the unit tree, the categories and their default units, as data.
- ``texts`` / ``generator``: petition texts, petitioners and answers made from templates, reproducibly.
- ``scenarios``: what happens to each demo case and when.
- ``seed``: ``demo_seed`` runs it all; ``demo_logins`` lists the demo accounts.
"""
