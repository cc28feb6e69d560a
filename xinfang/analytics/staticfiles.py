"""A static-files finder that exposes one file of the plotly wheel, ``plotly.min.js``, as
``analytics/vendor/plotly.min.js``: the charts draw offline (no CDN; CSP ``script-src 'self'``), the dev
server finds it and ``collectstatic`` copies it, and the repository carries no copy of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Warning
from django.core.files.storage import FileSystemStorage

PLOTLY_PATH = "analytics/vendor/plotly.min.js"


def plotly_js() -> Path | None:
    """The file in the installed plotly wheel, or None when plotly is missing."""
    try:
        import plotly
    except ImportError:
        return None
    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


class _Storage(FileSystemStorage):
    """The wheel's ``package_data`` directory, listing only plotly.min.js under its public name."""

    def __init__(self, source: Path):
        super().__init__(location=str(source.parent))
        self.prefix = "analytics/vendor"
        self.source = source

    def path(self, name: str) -> str:
        return str(self.source) if name in (self.source.name, PLOTLY_PATH) else super().path(name)


class PlotlyFinder(BaseFinder):
    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if plotly_js() is None:
            return [Warning("plotly is not installed: the analytics charts cannot draw.", id="analytics.W001")]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        source = plotly_js()
        if source is None or path != PLOTLY_PATH:
            return [] if find_all or kwargs.get("all") else ""
        return [str(source)] if find_all or kwargs.get("all") else str(source)

    def list(self, ignore_patterns: Any) -> Any:
        source = plotly_js()
        if source is not None:
            yield source.name, _Storage(source)
