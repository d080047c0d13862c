"""The map's scripts and stylesheets, shipped by PyPI packages and served by the app itself."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet

# Streamlit serves <app dir>/static/ at /app/static/ (server.enableStaticServing).
VENDOR_DIR_NAME = "vendor"
DEFAULT_URL_PREFIX = f"/app/static/{VENDOR_DIR_NAME}"
LEAFLET_VERSION = xstatic_leaflet.VERSION


def get_asset_files() -> dict[str, Path]:
    """Every file the map needs: relative url path -> file shipped by a package.

    Returns
    -------
    dict
        Url path under vendor/ -> the file in XStatic-Leaflet (and our own scripts).

    Examples
    --------
    >>> files = get_asset_files()
    >>> files["leaflet/leaflet.js"].exists()
    True
    """
    leaflet = Path(xstatic_leaflet.BASE_DIR)
    files = {
        "leaflet/leaflet.js": leaflet / "leaflet.js",
        "leaflet/leaflet.css": leaflet / "leaflet.css",
    }
    for image in sorted((leaflet / "images").glob("*.png")):
        files[f"leaflet/images/{image.name}"] = image
    return files


def get_map_js(url_prefix: str = DEFAULT_URL_PREFIX) -> list[tuple[str, str]]:
    """(name, url) of the scripts, in load order, in folium's `default_js` form.

    Parameters
    ----------
    url_prefix
        Where the app serves them.

    Returns
    -------
    list of tuple
        (name, url) pairs on the app's own server.

    Examples
    --------
    >>> all(url.startswith("/app/static/") for _, url in get_map_js("/app/static/vendor/"))
    True
    """
    return [("leaflet", f"{url_prefix}/leaflet/leaflet.js")]


def get_map_css(url_prefix: str = DEFAULT_URL_PREFIX) -> list[tuple[str, str]]:
    """(name, url) of the stylesheets, in folium's `default_css` form.

    Parameters
    ----------
    url_prefix
        Where the app serves them.

    Returns
    -------
    list of tuple
        (name, url) pairs on the app's own server.

    Examples
    --------
    >>> any(url.endswith("leaflet.css") for _, url in get_map_css())
    True
    """
    return [("leaflet_css", f"{url_prefix}/leaflet/leaflet.css")]


def install_static_assets(static_dir: str | Path) -> Path:
    """Copy the map's files into `static_dir`/vendor (only what is missing or changed).

    Parameters
    ----------
    static_dir
        Streamlit's static folder (served at /app/static/).

    Returns
    -------
    pathlib.Path
        The vendor folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> vendor = install_static_assets(pathlib.Path(tempfile.mkdtemp()))
    >>> (vendor / "leaflet" / "leaflet.js").exists()
    True
    """
    target = Path(static_dir) / VENDOR_DIR_NAME
    for relative, source in get_asset_files().items():
        destination = target / relative
        if destination.exists() and filecmp.cmp(source, destination, shallow=False):
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_suffix(destination.suffix + ".partial")
        shutil.copyfile(source, partial)
        partial.replace(destination)
    return target


def read_inline_assets() -> tuple[str, str]:
    """The scripts and stylesheets as text, for a self-contained HTML file.

    Returns
    -------
    tuple of str
        (scripts, stylesheets).

    Examples
    --------
    >>> script, style = read_inline_assets()
    >>> "L.map" in script or "Leaflet" in script, ".leaflet-container" in style
    (True, True)
    """
    files = get_asset_files()
    script = files["leaflet/leaflet.js"].read_text(encoding="utf-8")
    style = files["leaflet/leaflet.css"].read_text(encoding="utf-8")
    return script, style
