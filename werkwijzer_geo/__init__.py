"""Buurtkaart's domain package: layers, storage, analysis and maps for WerkwijzerPlus teams."""

from __future__ import annotations

__version__ = "0.1.0"

from ._errors import WerkwijzerError

__all__ = ["WerkwijzerError", "__version__"]
