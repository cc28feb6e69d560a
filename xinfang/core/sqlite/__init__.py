"""xinfang's SQLite database backend: Django's, with one queue for writers across processes (base.py)."""
