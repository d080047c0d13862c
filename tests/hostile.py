"""A workspace whose every text field holds what an attacker would type: template syntax,
a shell command in a template, Markdown and HTML that fetch, a spreadsheet formula."""

from __future__ import annotations

from pathlib import Path

from werkwijzer_geo import schema as s
from werkwijzer_geo.io import storage
from werkwijzer_geo.render import scenes as sc

# An address nothing listens on: a request to it shows up in the browser's request log.
BAIT_HOST = "127.0.0.9"


def make_payloads(sentinel: Path) -> list[str]:
    """The texts, each of which must come back literally. `sentinel` is a directory that
    only a template run on the server would create."""
    return [
        "{{7*7}}",
        "{% for x in y %}",
        "{{",
        f"{{{{ cycler.__init__.__globals__.os.mkdir('{sentinel}') }}}}",
        "CMD={{ cycler.__init__.__globals__.os.popen('id').read() }}",
        f"![beeld](http://{BAIT_HOST}/md.png) <img src='http://{BAIT_HOST}/html.png'> $x^2$ "
        ":red[rood] `code`",
        f'=HYPERLINK("http://{BAIT_HOST}/","klik")',
        "</script><script>window.pwned=1</script>",
    ]


def make_hostile_workspace(demo_path: Path, target: Path, sentinel: Path) -> list[str]:
    """A copy of the demo with every text column of every layer, the workspace name and the
    scenes' titles and texts replaced by payloads (numbered, so names stay unique).

    Returns the payloads.
    """
    payloads = make_payloads(sentinel)
    layers = storage.read_layers(demo_path)
    rewritten = {}
    for name, frame in layers.items():
        frame = frame.drop(columns=[c for c in s.DERIVED_COLUMNS if c in frame.columns])
        for column in s.get_layer(name).columns:
            if column.kind is not s.Kind.TEXT or column.name == s.WEEKDAYS:
                continue
            frame[column.name] = [f"{payloads[i % len(payloads)]} {i}"
                                  if i >= len(payloads) else payloads[i]
                                  for i in range(len(frame))]
        rewritten[name] = frame
    # A written place names a place: the observations keep naming the (renamed) places.
    renamed = dict(zip(layers[s.PLACES][s.NAME], rewritten[s.PLACES][s.NAME], strict=True))
    rewritten[s.OBSERVATIONS][s.PLACE] = layers[s.OBSERVATIONS][s.PLACE].map(renamed).to_numpy()
    storage.create_workspace(target, name=payloads[0] + " " + payloads[5],
                             layers={k: v for k, v in rewritten.items() if k != s.BOUNDARY},
                             boundary=rewritten[s.BOUNDARY])
    scenes = [sc.Scene(payloads[i % len(payloads)], payloads[(i + 5) % len(payloads)],
                       scene.layers, scene.hours, scene.weekdays, chart=scene.chart)
              for i, scene in enumerate(sc.DEMO_SCENES)]
    sc.write_scenes(target, scenes)
    return payloads


def write_raw_cells(path: Path, layer: str, cells: dict[int, dict[str, str]]) -> None:
    """Change stored cells behind Buurtkaart's back, as someone editing the GeoPackage in QGIS
    would: any text, no checks (`cells` maps a row's id to column -> stored text)."""
    import pyogrio

    raw = pyogrio.read_dataframe(path, layer=layer, datetime_as_string=True)
    for row_id, values in cells.items():
        for column, text in values.items():
            raw.loc[raw[s.ID] == row_id, column] = text
    pyogrio.write_dataframe(raw, path, layer=layer, driver="GPKG")
