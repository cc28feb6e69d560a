"""The `xinfang` console command: the project's manage.py plus its own commands."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

COMMAND_ALIASES = {"import": "import_cases"}


def genkeys(data_dir: Path) -> None:
    """Create secret.key and field.key in the data directory when missing (never overwrites: losing the
    field key makes every stored ID number unreadable). Runs before Django starts, which needs them."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, make in (
        ("secret.key", lambda: secrets.token_urlsafe(50)),
        ("field.key", lambda: base64.b64encode(secrets.token_bytes(32)).decode("ascii")),
    ):
        path = data_dir / name
        if path.exists():
            print(f"{path} exists, kept")
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(make() + "\n")
        print(f"{path} created")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    argv = list(sys.argv)
    if len(argv) > 1 and argv[1] == "genkeys":
        default = Path(__file__).resolve().parent.parent / "var"
        genkeys(Path(os.environ.get("XINFANG_DATA_DIR") or default).expanduser().resolve())
        return
    if len(argv) > 1 and not argv[1].startswith("-"):
        # `xinfang seed-demo` names the Django command seed_demo.
        argv[1] = argv[1].replace("-", "_")
        # `xinfang import`: a command module cannot be named after the keyword.
        argv[1] = COMMAND_ALIASES.get(argv[1], argv[1])
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        # A missing key or a bad setting: the operator needs the sentence, not Django's traceback.
        print(f"xinfang: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
