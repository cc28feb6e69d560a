"""Exit 0 when the PostgreSQL server in argv[1] answers within a few seconds, 1 otherwise."""

import sys
import time

import psycopg


def main() -> int:
    url = sys.argv[1]
    deadline = time.monotonic() + float(sys.argv[2] if len(sys.argv) > 2 else 5)
    while True:
        try:
            with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=2) as conn:
                conn.execute("select 1")
            return 0
        except psycopg.Error:
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
