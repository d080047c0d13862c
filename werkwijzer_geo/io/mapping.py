"""Which file column feeds which layer column, and which file value means which code."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError

from .parsing import DATE_ORDERS

# Coordinates are not layer columns but can be mapped like them.
LAT, LON, X, Y = "lat", "lon", "x", "y"
COORDINATE_TARGETS = (LAT, LON, X, Y)

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    s.ID: ("id", "nummer", "nr", "volgnummer"),
    s.ROUND_ID: ("round_id", "ronde", "ronde_id", "rondenummer"),
    s.OBSERVED_AT: ("observed_at", "tijdstip", "datumtijd", "datum_tijd", "waargenomen_op",
                    "timestamp", "datetime", "date_time", "tijd", "time", "moment", "start"),
    s.GROUP: ("group", "groep", "doelgroep", "wie"),
    s.COUNT: ("count", "aantal", "aantal_personen", "personen", "number", "total"),
    s.ACTIVITY: ("activity", "activiteit", "wat", "bezigheid"),
    s.ROLE: ("role", "rol", "functie"),
    s.INTERACTION: ("interaction", "interactie", "reactie", "contact"),
    s.PLACE: ("place", "plek", "plaats", "locatienaam"),
    s.NOTE: ("note", "notitie", "opmerking", "opmerkingen", "toelichting", "notes", "comment",
             "comments", "remarks", "bijzonderheden"),
    s.STARTED_AT: ("started_at", "begin", "start", "starttijd", "van"),
    s.ENDED_AT: ("ended_at", "einde", "eind", "eindtijd", "tot", "end"),
    s.OBSERVERS: ("observers", "waarnemers", "observatoren", "wie_keek"),
    s.NAME: ("name", "naam", "titel_plek"),
    s.WEEKDAYS: ("weekdays", "dagen", "weekdagen"),
    s.START_HOUR: ("start_hour", "van_uur", "beginuur"),
    s.END_HOUR: ("end_hour", "tot_uur", "einduur"),
    s.SIZE: ("size", "omvang", "grootte"),
    s.SINCE: ("since", "sinds"),
    s.UNTIL: ("until", "tot_en_met", "totdatum"),
    s.KIND: ("kind", "soort", "type", "categorie", "category"),
    s.REPORTED_AT: ("reported_at", "gemeld", "gemeld_op", "melddatum", "meldtijd", "reported",
                    "open_dt", "opened", "created", "created_at"),
    s.RESOLVED_AT: ("resolved_at", "opgelost", "opgelost_op", "afgehandeld", "closed_dt",
                    "closed", "resolved"),
    s.SEVERITY: ("severity", "ernst", "zwaarte"),
    s.STEP: ("step", "stap"),
    s.OBJECT: ("object", "voorwerp"),
    s.START_DATE: ("start_date", "begindatum", "startdatum"),
    s.END_DATE: ("end_date", "einddatum"),
    s.STATUS: ("status",),
    s.RADIUS_M: ("radius_m", "straal", "straal_m", "radius"),
    s.GOAL: ("goal", "doel"),
    s.EVALUATION: ("evaluation", "evaluatie"),
    s.OWNER: ("owner", "trekker", "eigenaar"),
    s.DATE: ("date", "datum"),
    s.TITLE: ("title", "titel"),
    s.VALENCE: ("valence", "waardering", "toon"),
    s.SOURCE: ("source", "bron"),
    s.THEMES: ("themes", "themas", "thema"),
    s.TEXT: ("text", "verhaal", "tekst"),
    LAT: ("lat", "latitude", "breedtegraad", "breedte", "y_wgs84"),
    LON: ("lon", "lng", "long", "longitude", "lengtegraad", "lengte", "x_wgs84"),
    X: ("x", "rd_x", "x_rd", "xcoord", "x_coordinaat"),
    Y: ("y", "rd_y", "y_rd", "ycoord", "y_coordinaat"),
}

# Columns meant for people: refused in any file, whatever the layer.
PERSONAL_COLUMNS = ("naam", "name", "voornaam", "achternaam", "firstname", "lastname",
                    "fullname", "bsn", "geboortedatum", "birthdate", "dateofbirth", "adres",
                    "address", "telefoon", "telefoonnummer", "phone", "mobiel", "email", "mail",
                    "emailadres", "postcodehuisnummer")
# Layers whose `name` column names a place or project, not a person.
_NAMED_LAYERS = (s.HANGOUTS, s.EXPERIMENTS, s.PLACES, s.BOUNDARY)

# Words teams type in their own sheets (measured: the words of the WerkwijzerPlus handbook's
# observation forms and what the pilot teams wrote), each to the code it means.
_EXTRA_CODE_ALIASES = {
    s.GROUP: {"jongere": "youth", "jeugd": "youth", "jongens": "youth", "meiden": "youth",
              "meisjes": "youth", "tieners": "youth", "pubers": "youth",
              "hangjongeren": "youth", "jongvolwassene": "young_adults",
              "kind": "children", "ouder": "parents", "moeders": "parents",
              "vaders": "parents", "volwassene": "adults", "bewoners": "adults",
              "buurtbewoners": "adults", "bejaarden": "elderly", "senioren": "elderly",
              "oudere": "elderly", "ondernemer": "entrepreneurs", "winkeliers": "entrepreneurs",
              "winkelier": "entrepreneurs", "professional": "professionals",
              "young adults": "young_adults"},
    s.ACTIVITY: {"hangen": "hanging_out", "chillen": "hanging_out", "zitten": "hanging_out",
                 "voetballen": "sports", "voetbal": "sports", "basketballen": "sports",
                 "sport": "sports", "fitness": "sports", "spelen": "playing",
                 "praten": "meeting", "kletsen": "meeting", "ontmoeting": "meeting",
                 "lopen": "passing", "doorlopen": "passing", "fietsen": "passing",
                 "overlast geven": "nuisance", "lawaai": "nuisance", "anders": "other"},
    s.ROLE: {"wijkagent": "police", "politie": "police", "handhaving": "boa",
             "jongerenwerk": "youth_worker", "opbouwwerk": "community_worker"},
    s.KIND: {"afval": "litter", "vuil": "litter", "kapotte lamp": "broken_light",
             "lantaarnpaal": "broken_light"},
}


def normalise_name(name: str) -> str:
    """Column names compared loosely: lower case, no accents, no spaces or punctuation.

    Parameters
    ----------
    name
        A column name or cell value.

    Returns
    -------
    str
        Only a-z and 0-9.

    Examples
    --------
    >>> normalise_name("Activiteit (wat?)"), normalise_name("Één")
    ('activiteitwat', 'een')
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def suggest_code(layer_name: str, column: str, value: object) -> str | None:
    """The code a misspelt value most likely means ('rondhangne' -> 'hanging_out'), or None
    when nothing is close.

    Parameters
    ----------
    layer_name, column
        The coded column.
    value
        The value a file had.

    Returns
    -------
    str or None
        The nearest code among the codes, their Dutch labels and known words.

    Examples
    --------
    >>> suggest_code("observations", "activity", "rondhangne")
    'hanging_out'
    >>> suggest_code("observations", "group", "xyz") is None
    True
    """
    aliases = get_code_aliases(layer_name, column)
    close = difflib.get_close_matches(normalise_name(str(value)), list(aliases), n=1,
                                      cutoff=0.75)
    return aliases[close[0]] if close else None


def get_code_aliases(layer_name: str, column: str) -> dict[str, str]:
    """Known words for each code of a column: the code, its Dutch label, common synonyms.

    Parameters
    ----------
    layer_name, column
        The coded column.

    Returns
    -------
    dict
        Normalised word (see `normalise_name`) -> code.

    Examples
    --------
    >>> aliases = get_code_aliases("observations", "activity")
    >>> aliases["chillen"], aliases["rondhangen"], aliases["hangingout"]
    ('hanging_out', 'hanging_out', 'hanging_out')
    """
    label_map = labels.get_code_labels(layer_name, column)
    aliases = {}
    for code, label in label_map.items():
        aliases[normalise_name(str(code))] = code
        aliases[normalise_name(label)] = code
    for word, code in _EXTRA_CODE_ALIASES.get(column, {}).items():
        if code in label_map:
            aliases[normalise_name(word)] = code
    return aliases


@dataclass
class ImportMapping:
    """How a file maps to a layer; saved as JSON to reuse next month.

    `columns`: layer column (or lat, lon, x, y) -> file column. `values`: layer column ->
    {file value: code}. `defaults`: layer column -> value for every row (when the file has
    no such column). `tz`: the zone of times without an offset. `date_format`: how dates with
    the year last are written, "dd-mm-jjjj" or "mm-dd-jjjj" (None: decided from the file).
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    tz: str | None = None
    date_format: str | None = None

    def __post_init__(self) -> None:
        if self.date_format is not None and self.date_format not in DATE_ORDERS:
            raise WerkwijzerError(f"Datumschrijfwijze '{self.date_format}' bestaat niet; kies "
                                  f"{' of '.join(DATE_ORDERS)}.")

    def to_json(self) -> str:
        """The mapping as JSON, in the form `--mapping FILE.json` reads."""
        data: dict[str, object] = {"columns": self.columns, "values": self.values}
        if self.defaults:
            data["defaults"] = self.defaults
        if self.tz:
            data["tz"] = self.tz
        if self.date_format:
            data["date_format"] = self.date_format
        return json.dumps(data, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, *, name: str = "mapping") -> ImportMapping:
        """Read a saved mapping; a Dutch error when it is not one."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise WerkwijzerError(f"{name}: geen geldige JSON ({error.msg}, regel "
                                  f"{error.lineno}).") from None
        keys = {"columns", "values", "defaults", "tz", "date_format"}
        if not isinstance(data, dict) or not set(data) <= keys:
            raise WerkwijzerError(f"{name}: verwacht een object met 'columns', 'values', "
                                  "'defaults', 'tz' en/of 'date_format'.")
        columns, values = data.get("columns", {}), data.get("values", {})
        defaults = data.get("defaults", {})

        def is_flat(mapping: object) -> bool:
            return isinstance(mapping, dict) and all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool)
                for v in mapping.values())

        if not (is_flat(columns) and is_flat(defaults) and isinstance(values, dict)
                and all(is_flat(v) for v in values.values())):
            raise WerkwijzerError(f"{name}: 'columns' en 'defaults' zijn objecten van tekst naar "
                                  "tekst, 'values' een object van kolom naar zo'n object.")
        for key in ("tz", "date_format"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise WerkwijzerError(f"{name}: '{key}' is één tekst, bv. "
                                      f"{'Europe/Amsterdam' if key == 'tz' else 'dd-mm-jjjj'}.")
        return cls({str(k): str(v) for k, v in columns.items()},
                   {str(k): {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
                   {str(k): str(v) for k, v in defaults.items()}, data.get("tz"),
                   data.get("date_format"))

    @classmethod
    def from_file(cls, path: str | Path) -> ImportMapping:
        """Read a mapping saved with `to_json`."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise WerkwijzerError(f"Koppeling {path} niet te lezen ({error.strerror}).") from None
        return cls.from_json(text, name=path.name)

    def updated(self, other: ImportMapping) -> ImportMapping:
        """A copy with `other`'s entries on top (command-line options over a saved file)."""
        values = {k: dict(v) for k, v in self.values.items()}
        for column, pairs in other.values.items():
            values.setdefault(column, {}).update(pairs)
        return ImportMapping({**self.columns, **other.columns}, values,
                             {**self.defaults, **other.defaults}, other.tz or self.tz,
                             other.date_format or self.date_format)


def parse_cli_mapping(maps: list[str], values: list[str], defaults: list[str]) -> ImportMapping:
    """`--map TARGET=SOURCE`, `--values COLUMN:SOURCE_VALUE=CODE`, `--default COLUMN=VALUE`.

    Parameters
    ----------
    maps, values, defaults
        The options as given, each a list of strings.

    Returns
    -------
    ImportMapping
        The mapping they describe.

    Raises
    ------
    WerkwijzerError
        One line per option that does not have its form.

    Examples
    --------
    >>> mapping = parse_cli_mapping(["observed_at=Tijd"], ['group:"hang"=youth'], ["count=1"])
    >>> mapping.columns, mapping.values, mapping.defaults
    ({'observed_at': 'Tijd'}, {'group': {'hang': 'youth'}}, {'count': '1'})
    """
    problems = []
    mapping = ImportMapping()
    for item in maps:
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            problems.append(f"--map '{item}': schrijf DOELKOLOM=BRONKOLOM, bv. count=Aantal.")
            continue
        mapping.columns[target.strip()] = source.strip()
    for item in values:
        column, sep, rest = item.partition(":")
        source_value, sep2, code = rest.rpartition("=")
        if not sep or not sep2 or not column.strip() or not code.strip():
            problems.append(f"--values '{item}': schrijf KOLOM:BRONWAARDE=CODE, "
                            "bv. kind:\"Graffiti Removal\"=graffiti.")
            continue
        mapping.values.setdefault(column.strip(), {})[source_value.strip().strip('"')] = \
            code.strip()
    for item in defaults:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            problems.append(f"--default '{item}': schrijf KOLOM=WAARDE, bv. activity=other.")
            continue
        mapping.defaults[column.strip()] = value.strip()
    if problems:
        raise WerkwijzerError(problems)
    return mapping


def find_personal_columns(layer_name: str, source_columns: list[str]) -> list[str]:
    """File columns that look meant for people's names, addresses or contact details.

    Parameters
    ----------
    layer_name
        The target layer: on places and projects `naam` is a place's name, not a person's.
    source_columns
        The file's column names.

    Returns
    -------
    list of str
        The columns to refuse.

    Examples
    --------
    >>> find_personal_columns("observations", ["Tijd", "Naam", "E-mail"])
    ['Naam', 'E-mail']
    >>> find_personal_columns("places", ["Naam"])
    []
    """
    personal = {normalise_name(name) for name in PERSONAL_COLUMNS}
    if layer_name in _NAMED_LAYERS:
        personal -= {"naam", "name"}
    return [c for c in source_columns if normalise_name(c) in personal]


def auto_map_columns(layer_name: str, source_columns: list[str]) -> dict[str, str]:
    """Match file columns to layer columns (and coordinates) by Dutch and English aliases.

    Parameters
    ----------
    layer_name
        The target layer.
    source_columns
        The file's column names.

    Returns
    -------
    dict
        Layer column (or lat, lon, x, y) -> file column.

    Examples
    --------
    >>> auto_map_columns("observations", ["Tijdstip", "Groep", "Aantal", "lat", "lon"])
    {'observed_at': 'Tijdstip', 'group': 'Groep', 'count': 'Aantal', 'lat': 'lat', 'lon': 'lon'}
    """
    layer = s.get_layer(layer_name)
    by_name = {normalise_name(column): column for column in source_columns}
    targets = [*layer.column_names, *COORDINATE_TARGETS]
    found: dict[str, str] = {}
    used: set[str] = set()
    for target in targets:
        for alias in COLUMN_ALIASES.get(target, (target,)):
            source = by_name.get(normalise_name(alias))
            if source is not None and source not in used:
                found[target] = source
                used.add(source)
                break
    found.update(_find_kobo_coordinates(source_columns, found))
    return found


def _find_kobo_coordinates(source_columns: list[str], found: dict[str, str]) -> dict[str, str]:
    """KoboToolbox/ODK: `_<field>_latitude` and `_<field>_longitude`, or `_geolocation`."""
    if LAT in found or LON in found:
        return {}
    extra = {}
    for column in source_columns:
        if re.fullmatch(r"_.+_latitude", column):
            extra[LAT] = column
        elif re.fullmatch(r"_.+_longitude", column):
            extra[LON] = column
    if LAT in extra and LON in extra:
        return extra
    if "_geolocation" in source_columns:
        return {LAT: "_geolocation", LON: "_geolocation"}
    return {}
