"""The governance pages: ``backlog.py`` (the register, an entry, stock and flow, rules) and
``supervision.py`` (orders, listed supervision)."""
