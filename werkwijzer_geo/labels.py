"""Every Dutch word a user reads: labels for codes, weekdays and layers, and colours."""

from __future__ import annotations

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_SHORT = ("ma", "di", "wo", "do", "vr", "za", "zo")
WEEKDAY_LONG = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

LAYER_LABELS = {
    "rounds": "Rondes",
    "observations": "Waarnemingen",
    "hangouts": "Hangplekken",
    "spots": "Zwerfvuil en graffiti",
    "experiments": "Acties en experimenten",
    "places": "Plekken",
    "boundary": "Buurtgrens",
    "events": "Gebeurtenissen",
    "stories": "Verhalen",
}

GROUP_LABELS = {
    "youth": "Jongeren",
    "young_adults": "Jongvolwassenen",
    "children": "Kinderen",
    "parents": "Ouders",
    "adults": "Volwassenen",
    "elderly": "Ouderen",
    "entrepreneurs": "Ondernemers",
    "professionals": "Professionals",
}
# Colour-blind-safe where it matters most (youth vs professionals); Okabe-Ito based.
GROUP_COLOURS = {
    "youth": "#D55E00",
    "young_adults": "#E69F00",
    "children": "#F0C400",
    "parents": "#009E73",
    "adults": "#56B4E9",
    "elderly": "#0072B2",
    "entrepreneurs": "#CC79A7",
    "professionals": "#000000",
}

ACTIVITY_LABELS = {
    "hanging_out": "rondhangen",
    "playing": "spelen",
    "sports": "sporten",
    "meeting": "ontmoeten",
    "passing": "passeren",
    "nuisance": "overlast",
    "other": "anders",
}
ROLE_LABELS = {
    "boa": "boa",
    "police": "wijkagent/politie",
    "youth_worker": "jongerenwerker",
    "community_worker": "opbouwwerker",
    "other": "andere professional",
}
INTERACTION_LABELS = {
    "none": "geen contact",
    "greets": "groet",
    "avoids": "ontwijkt",
    "addresses": "spreekt aan",
    "sends_away": "stuurt weg",
}
SPOT_KIND_LABELS = {
    "litter": "Zwerfvuil",
    "graffiti": "Graffiti",
    "vandalism": "Vernieling",
    "broken_light": "Kapotte verlichting",
    "other": "Anders",
}
SPOT_KIND_COLOURS = {
    "litter": "#8C6D31",
    "graffiti": "#7B3294",
    "vandalism": "#B2182B",
    "broken_light": "#4D4D4D",
    "other": "#999999",
}
EXPERIMENT_STEP_LABELS = {"action": "zichtbare actie", "experiment": "experiment"}
EXPERIMENT_STATUS_LABELS = {
    "planned": "gepland",
    "running": "loopt",
    "evaluated": "geëvalueerd",
    "embedded": "vastgehouden",
    "stopped": "gestopt",
}
EXPERIMENT_OBJECT_LABELS = {
    "container": "container",
    "fitness": "fitnesstoestel",
    "youth_spot": "jongerenontmoetingsplek (JOP)",
    "bench": "bank",
    "lighting": "verlichting",
    "coffee_table": "koffietafel",
    "banner": "spandoek",
    "other": "anders",
}
PLACE_KIND_LABELS = {
    "square": "plein",
    "playground": "speelplek",
    "school": "school",
    "shops": "winkels",
    "park": "park",
    "street": "straat",
    "other": "anders",
}
EVENT_KIND_LABELS = {
    "incident": "incident",
    "intervention": "interventie",
    "event": "evenement",
    "project": "project",
    "report": "melding",
}
STORY_SOURCE_LABELS = {
    "resident": "bewoner",
    "youth": "jongere",
    "entrepreneur": "ondernemer",
    "professional": "professional",
}
VALENCE_LABELS = {-1: "negatief", 0: "neutraal", 1: "positief"}

LAYER_COLOURS = {
    "boundary": "#333333",
    "places": "#2B7A78",
    "hangouts": "#D55E00",
    "experiments": "#1B9E77",
    "rounds": "#6A6A6A",
    "events": "#3F51B5",
    "stories": "#00838F",
}

ATTRIBUTION_KADASTER = "Kaartgegevens © Kadaster"
ATTRIBUTION_CBS = "Buurtgrens: CBS/Kadaster, wijk- en buurtkaart 2024"


def format_date(value) -> str:
    """Dutch date text, dd-mm-jjjj; empty for a missing value.

    Parameters
    ----------
    value
        A date, datetime or pandas Timestamp; None or NaT for none.

    Returns
    -------
    str
        'dd-mm-jjjj' (years before 1000 keep their zeros), or "".

    Examples
    --------
    >>> import datetime as dt
    >>> format_date(dt.date(2026, 9, 4)), format_date(None)
    ('04-09-2026', '')
    """
    if value is None or value != value:
        return ""
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"  # strftime drops year zeros


def format_period(start, end) -> str:
    """A period in Dutch: 'dd-mm-jjjj t/m dd-mm-jjjj', or 'vanaf dd-mm-jjjj' when open.

    Parameters
    ----------
    start, end
        Dates (None or NaT for none).

    Returns
    -------
    str
        The period, or "" without a start.

    Examples
    --------
    >>> import datetime as dt
    >>> format_period(dt.date(2026, 9, 28), dt.date(2026, 11, 8))
    '28-09-2026 t/m 08-11-2026'
    >>> format_period(dt.date(2026, 9, 16), None)
    'vanaf 16-09-2026'
    """
    first, last = format_date(start), format_date(end)
    if not first:
        return f"t/m {last}" if last else ""
    return f"{first} t/m {last}" if last else f"vanaf {first}"


def format_datetime(value) -> str:
    """Dutch date and 24-hour time, with the weekday: 'vr 12-09-2026 21:30'.

    Parameters
    ----------
    value
        A datetime or Timestamp, already in the zone to show; None or NaT for none.

    Returns
    -------
    str
        Short weekday, dd-mm-jjjj and uu:mm, or "".

    Examples
    --------
    >>> import datetime as dt
    >>> format_datetime(dt.datetime(2026, 9, 12, 21, 30))
    'za 12-09-2026 21:30'
    """
    if value is None or value != value:
        return ""
    return f"{WEEKDAY_SHORT[value.weekday()]} {value.strftime('%d-%m-%Y %H:%M')}"


def format_number(value: float, decimals: int | None = None) -> str:
    """A number the Dutch way: a point between thousands, a comma before decimals.

    Parameters
    ----------
    value
        The number.
    decimals
        Decimals to show; default none for a whole number and one otherwise (rounded half
        to even, as Python does).

    Returns
    -------
    str
        The number as Dutch text.

    Examples
    --------
    >>> format_number(9007199254740992)
    '9.007.199.254.740.992'
    >>> format_number(0.5, 1), format_number(1234.5)
    ('0,5', '1.234,5')
    """
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_table_numbers(frame, decimals: int = 1):
    """A table to show: every number column as Dutch text (points between thousands, a
    decimal comma), a missing value as '–', yes/no in Dutch; other columns as they were.

    Parameters
    ----------
    frame
        A pandas DataFrame.
    decimals
        Decimals for columns that hold fractions; whole-number columns get none.

    Returns
    -------
    tuple
        (the new frame, the names of the columns that were numbers, to align right).

    Examples
    --------
    >>> import pandas as pd
    >>> shown, numbers = format_table_numbers(pd.DataFrame(
    ...     {"soort": ["Graffiti", "Lamp"], "dagen": [6.14, None], "meldingen": [1204, 1]}))
    >>> shown["dagen"].tolist(), shown["meldingen"].tolist(), numbers
    (['6,1', '–'], ['1.204', '1'], ['dagen', 'meldingen'])
    """
    import pandas as pd

    shown = frame.copy()
    numbers = []
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_bool_dtype(values):
            shown[column] = values.map({True: "ja", False: "nee"}).astype(object)
        elif pd.api.types.is_numeric_dtype(values):
            present = values.dropna()
            whole = bool((present == present.round()).all())
            shown[column] = [
                "–" if pd.isna(value) else format_number(value, 0 if whole else decimals)
                for value in values]
            numbers.append(column)
    return shown, numbers


def format_count(count: int, one: str, many: str) -> str:
    """A count with its noun, singular or plural: '1 rij', '1.204 personen'.

    Parameters
    ----------
    count
        How many.
    one, many
        The noun in the singular and the plural.

    Returns
    -------
    str
        The Dutch number and the right form of the noun.

    Examples
    --------
    >>> format_count(1, "rij", "rijen"), format_count(1204, "persoon", "personen")
    ('1 rij', '1.204 personen')
    """
    return format_number(count) + " " + (one if count == 1 else many)


def format_hours(start_hour: int, end_hour: int) -> str:
    """An hour window as text, '21:00-02:00'.

    Parameters
    ----------
    start_hour, end_hour
        Clock hours; `end_hour` may be 24 or smaller than `start_hour` (past midnight).

    Returns
    -------
    str
        'uu:00-uu:00'.

    Examples
    --------
    >>> format_hours(21, 2), format_hours(9, 24)
    ('21:00-02:00', '09:00-00:00')
    """
    return f"{start_hour % 24:02d}:00-{end_hour % 24:02d}:00"


def format_weekdays(weekdays, *, long: bool = False, sentence: bool = False) -> str:
    """Weekdays (numbers, 0 = Monday, or codes such as 'fri') in Dutch, in week order.

    Parameters
    ----------
    weekdays
        Weekday numbers or codes, in any order.
    long
        Write them out and join the last with 'en' ('vrijdag en zaterdag').
    sentence
        Start with a capital, to open a sentence.

    Returns
    -------
    str
        Short names by default: 'vr, za'.

    Examples
    --------
    >>> format_weekdays([5, 4])
    'vr, za'
    >>> format_weekdays(["wed", "fri", "sat"], long=True, sentence=True)
    'Woensdag, vrijdag en zaterdag'
    """
    days = sorted(WEEKDAY_CODES.index(day) if isinstance(day, str) else int(day)
                  for day in weekdays)
    if not long:
        text = ", ".join(WEEKDAY_SHORT[day] for day in days)
    else:
        names = [WEEKDAY_LONG[day] for day in days]
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
    return text[:1].upper() + text[1:] if sentence else text


_CODE_LABELS_BY_COLUMN = {
    "group": GROUP_LABELS,
    "activity": ACTIVITY_LABELS,
    "role": ROLE_LABELS,
    "interaction": INTERACTION_LABELS,
    "step": EXPERIMENT_STEP_LABELS,
    "status": EXPERIMENT_STATUS_LABELS,
    "object": EXPERIMENT_OBJECT_LABELS,
    "source": STORY_SOURCE_LABELS,
    "valence": VALENCE_LABELS,
}
_KIND_LABELS_BY_LAYER = {
    "spots": SPOT_KIND_LABELS,
    "places": PLACE_KIND_LABELS,
    "events": EVENT_KIND_LABELS,
}


def get_code_labels(layer_name: str, column_name: str) -> dict:
    """Code -> Dutch label for a coded column of a layer (empty when not coded).

    Parameters
    ----------
    layer_name
        The layer: `kind` means another list per layer (spots, places, events).
    column_name
        The column.

    Returns
    -------
    dict
        Code -> Dutch label, in the order of `schema`'s codes.

    Examples
    --------
    >>> get_code_labels("spots", "kind")["litter"]
    'Zwerfvuil'
    >>> get_code_labels("observations", "note")
    {}
    """
    if column_name == "kind":
        return dict(_KIND_LABELS_BY_LAYER.get(layer_name, {}))
    return dict(_CODE_LABELS_BY_COLUMN.get(column_name, {}))

MONTH_NAMES = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
               "september", "oktober", "november", "december")
