#!/usr/bin/env python
"""Django's manage.py; `xinfang` (installed into .venv/bin) is the same entry point."""

from xinfang.cli import main

if __name__ == "__main__":
    main()
