"""The map's scripts and stylesheets, shipped by PyPI packages and served by the app itself."""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet
import xstatic.pkg.leaflet_markercluster as xstatic_markercluster

# Streamlit serves <app dir>/static/ at /app/static/ (server.enableStaticServing).
VENDOR_DIR_NAME = "vendor"
DEFAULT_URL_PREFIX = f"/app/static/{VENDOR_DIR_NAME}"
LEAFLET_VERSION = xstatic_leaflet.VERSION
# In load order: Leaflet first, then its plugins.
_SCRIPTS = ("leaflet/leaflet.js", "markercluster/leaflet.markercluster.js")
_STYLESHEETS = ("leaflet/leaflet.css", "markercluster/MarkerCluster.css")


def get_asset_files() -> dict[str, Path]:
    """Every file the map needs: relative url path -> file shipped by a package.

    Returns
    -------
    dict
        Url path under vendor/ -> the file in XStatic-Leaflet or
        XStatic-Leaflet-MarkerCluster.

    Examples
    --------
    >>> files = get_asset_files()
    >>> files["leaflet/leaflet.js"].exists()
    True
    """
    leaflet = Path(xstatic_leaflet.BASE_DIR)
    stacks = Path(xstatic_markercluster.BASE_DIR)
    files = {
        "leaflet/leaflet.js": leaflet / "leaflet.js",
        "leaflet/leaflet.css": leaflet / "leaflet.css",
        "markercluster/leaflet.markercluster.js": stacks / "leaflet.markercluster.js",
        "markercluster/MarkerCluster.css": stacks / "MarkerCluster.css",
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
    url_prefix = url_prefix.rstrip("/")
    return [(Path(path).stem, f"{url_prefix}/{path}") for path in _SCRIPTS]


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
    url_prefix = url_prefix.rstrip("/")
    return [(Path(path).stem + "_css", f"{url_prefix}/{path}") for path in _STYLESHEETS]


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


def inline_assets(page: str) -> str:
    """The page with every script and stylesheet of the map inside it, for a file that works
    from a USB stick without a network (nothing left to fetch, not even a source map).

    Parameters
    ----------
    page
        A map's HTML whose `<script src>` and `<link rel="stylesheet">` point at the files of
        `get_asset_files`, under any url prefix.

    Returns
    -------
    str
        The same page, those files' text in their place.

    Examples
    --------
    >>> page = "".join(f'<script src="/x/{path}"></script>' for path in _SCRIPTS)
    >>> html = inline_assets(page)
    >>> "<script src=" in html, "L.markerClusterGroup" in html
    (False, True)
    """
    files = get_asset_files()
    for path in _SCRIPTS:
        script = files[path].read_text(encoding="utf-8").replace("</script", "<\\/script")
        script = re.sub(r"//# sourceMappingURL=\S+", "", script)
        page = re.sub(rf'<script src="[^"]*/{re.escape(path)}"></script>',
                      lambda _, text=script: f"<script>{text}</script>", page)
    for path in _STYLESHEETS:
        style = files[path].read_text(encoding="utf-8").replace("</style", "<\\/style")
        style = re.sub(r"/\*# sourceMappingURL=\S+ \*/", "", style)
        page = re.sub(rf'<link rel="stylesheet" href="[^"]*/{re.escape(path)}"/>',
                      lambda _, text=style: f"<style>{text}</style>", page)
    return page
