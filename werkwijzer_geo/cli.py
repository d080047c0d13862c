"""The command line, `python -m werkwijzer_geo ...`: the same functions the pages call."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from . import access
from . import schema as s
from ._errors import WerkwijzerError
from .analysis.effects import measure_experiments
from .analysis.patterns import NO_ROUNDS, PatternSettings, build_report
from .analysis.selection import select_experiments
from .analysis.sessions import store_derived_rounds
from .demo import DEFAULT_SEED, create_demo_workspace
from .io import storage
from .io.importer import plan_import, run_import
from .io.mapping import ImportMapping, parse_cli_mapping
from .io.parsing import DATE_ORDERS
from .io.quality import read_usable_layers
from .io.storage import create_workspace
from .logbook import LOG, configure_logging
from .render.export import FORMATS, Snapshot, export_snapshot
from .timefilter import (
    TimeFilter,
)


def read_boundary_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read a neighbourhood outline (GeoJSON, GeoPackage, Shapefile...) as the boundary layer.

    Parameters
    ----------
    path
        The file; any CRS (it is reprojected to EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        The outline, with a name.

    Raises
    ------
    WerkwijzerError
        When the file cannot be read or holds no polygon.

    Examples
    --------
    >>> import pathlib, werkwijzer_geo
    >>> outline = pathlib.Path(werkwijzer_geo.__file__).parent.parent / "data"
    >>> len(read_boundary_file(outline / "oosterwijk_buurtgrens.geojson"))
    1
    """
    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, OSError) as error:
        raise WerkwijzerError(f"{path}: buurtgrens niet te lezen ({error}). "
                              "Geef een GeoJSON- of GeoPackage-bestand.") from None
    if frame.crs is None:
        frame = frame.set_crs(s.STORAGE_CRS)
    frame = frame[frame.geometry.notna()]
    polygons = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        raise WerkwijzerError(f"{path}: bevat geen vlak (Polygon). Een buurtgrens is een vlak.")
    name_column = next((c for c in ("name", "naam", "statnaam", "buurtnaam") if c in frame), None)
    names = polygons[name_column].astype(str) if name_column else [path.stem] * len(polygons)
    return gpd.GeoDataFrame({s.NAME: list(names)}, geometry=polygons.geometry.to_numpy(),
                            crs=polygons.crs).to_crs(s.STORAGE_CRS)


def _run_init(args: argparse.Namespace) -> int:
    boundary = read_boundary_file(args.boundary) if args.boundary else None
    # The name the sidebar shows (in a region's database, beside the others): given, else
    # the outline's, else the workspace's own.
    name = args.name or (str(boundary[s.NAME].iloc[0]) if boundary is not None else
                         storage.open_store(args.db).name.removesuffix(".gpkg"))
    try:
        info = create_workspace(args.db, boundary=boundary, tz=args.tz, name=name)
    except WerkwijzerError as error:
        if not args.boundary:
            raise
        name = Path(args.boundary).name
        raise WerkwijzerError([_named(name, line) for line in error.problems]) from None
    print(f"Werkruimte gemaakt: {storage.shown_location(info.location)} ({info.name}, "
          f"tijdzone {info.tz}).")
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    if args.observations is not None and args.observations < 1:
        raise WerkwijzerError("--observations moet 1 of meer zijn.")
    info = create_demo_workspace(args.db, seed=args.seed, n_observations=args.observations)
    print(f"Demowerkruimte gemaakt: {storage.shown_location(info.location)} ({info.name}).")
    return 0


def _run_import(args: argparse.Namespace) -> int:
    given = ImportMapping.from_file(args.mapping) if args.mapping else ImportMapping()
    given = given.updated(parse_cli_mapping(args.map, args.values, args.default))
    if args.tz:
        given.tz = args.tz
    if args.date_format:
        given.date_format = args.date_format
    actor = _actor(args)
    access.require(args.db, actor, access.Action.IMPORT)
    try:
        plan = plan_import(args.db, args.file, args.layer, mapping=given, sheet=args.sheet,
                           source_layer=args.source_layer)
    except WerkwijzerError as error:
        name = Path(args.file).name
        raise WerkwijzerError([_named(name, line) for line in error.problems]) from None
    columns = ", ".join(f"{target}={source}" for target, source in plan.mapping.columns.items())
    print(f"Koppeling: {columns}")
    for warning in plan.warnings:
        print(f"let op: {warning}")
    if args.save_mapping:
        Path(args.save_mapping).write_text(plan.mapping.to_json(), encoding="utf-8")
        print(f"Koppeling bewaard in {args.save_mapping}.")
    if args.dry_run:
        print(f"Proef, niets opgeslagen: {plan.describe()}")
        return 0
    run_import(args.db, plan, actor=actor)
    print(f"Opgeslagen: {plan.describe()} Reservekopie van daarvoor: {plan.backup}")
    return 0


def _time_filter_from(args: argparse.Namespace) -> TimeFilter:
    return TimeFilter.from_text(hours=args.hours, weekdays=args.weekdays,
                                date_from=args.date_from, date_to=args.date_to,
                                names=("--from", "--to"))


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", help="eerste datum, jjjj-mm-dd")
    parser.add_argument("--to", dest="date_to", help="laatste datum, jjjj-mm-dd")
    parser.add_argument("--hours", help="uren van-tot, bv. 21-2")
    parser.add_argument("--weekdays", help="bv. fri,sat")


def _read_usable_layers(path: str) -> dict:
    """The layers without rows whose dates no analysis can use; each such row on stderr."""
    layers, problems = read_usable_layers(path)
    for problem in problems:
        print(f"Let op, niet meegeteld: {problem.describe()} Pas het aan in Invoer › "
              "Bewerken.", file=sys.stderr)
    return layers


def _named(name: str, line: str) -> str:
    """A problem line that says which file it is about, once."""
    return line if line.startswith(name) else f"{name}: {line}"


def _actor(args: argparse.Namespace) -> access.Actor:
    """Who runs the command: --as, else the owner of a personal workspace."""
    if not storage.workspace_exists(args.db):
        raise WerkwijzerError(f"Werkruimte {args.db} bestaat niet. Maak hem met 'init' of "
                              "'demo', of kies het juiste pad.")
    return access.cli_actor(args.db, args.as_user)


def _run_patterns(args: argparse.Namespace) -> int:
    time_filter = _time_filter_from(args)
    actor = _actor(args)
    access.require(args.db, actor, access.Action.VIEW_NOTES)  # the team's own view
    if args.rounds_from_observations is not None:
        made = store_derived_rounds(args.db, args.rounds_from_observations, actor=actor)
        print(f"{made} rondes afgeleid uit de waarnemingen (een pauze langer dan "
              f"{args.rounds_from_observations} minuten begint een nieuwe) en opgeslagen.",
              file=sys.stderr)
    layers = _read_usable_layers(args.db)
    settings = PatternSettings(min_share=args.min_share, min_rounds=args.min_rounds,
                               min_dates=args.min_dates)
    report = build_report(layers, time_filter, settings)
    effects = measure_experiments(select_experiments(layers[s.EXPERIMENTS], time_filter),
                                  layers[s.OBSERVATIONS], layers[s.ROUNDS], layers[s.SPOTS])
    if args.json:
        data = report.to_dict()
        data["experiments"] = [effect.to_dict() for effect in effects]
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return 0
    print(f"Selectie: {report.time_filter}; {report.rounds} rondes.")
    if not report.rounds:
        print(NO_ROUNDS, file=sys.stderr)
    if report.not_observed:
        print("Niet gekeken (onbekend, niet rustig): " + "; ".join(report.not_observed) + ".")
    nothing = "(geen)" if report.rounds else "(niet gekeken)"
    sections = (("Patronen", [x.sentence for x in report.patterns]),
                ("Geen professional in beeld", [x.sentence for x in report.gaps]),
                ("Wie claimt welke plek", [x.sentence for x in report.claims]),
                ("Drukste plekken en uren (wat we zagen, geen patroon)",
                 [x.sentence for x in report.busiest]),
                ("Acties en experimenten", [x.verdict for x in effects]))
    for title, lines in sections:
        print(f"\n{title}:")
        for line in lines or [nothing]:
            print(f"- {line}")
    return 0


def _run_export(args: argparse.Namespace) -> int:
    snapshot = Snapshot(tuple(part.strip() for part in args.layers.split(",") if part.strip()),
                        _time_filter_from(args), public=args.public, codes=args.codes)
    out = export_snapshot(args.db, snapshot, args.format, args.out, actor=_actor(args))
    print(f"Geëxporteerd: {out} ({args.format}, "
          f"{'voor bewoners' if args.public else 'niet openbaar'}).")
    return 0


def _run_roles(args: argparse.Namespace) -> int:
    actor = _actor(args)
    for grant in args.grant:
        user, _, role = grant.partition("=")
        access.set_role(args.db, actor, user.strip(), role.strip())
        print(f"Rol gegeven: {user.strip()} is {role.strip()}.")
    for user in args.revoke:
        access.set_role(args.db, actor, user.strip(), None)
        print(f"Rol afgenomen: {user.strip()}.")
    if not args.grant and not args.revoke:
        access.require(args.db, actor, access.Action.ROLES)
    roles = access.describe_roles(access.storage.read_roles(args.db))
    print("Rollen in deze buurt:" if roles else "Nog niemand heeft een rol: deze werkruimte "
          "is persoonlijk (alleen op deze computer te openen).")
    for line in roles:
        print(f"- {line}")
    return 0


def _run_purge(args: argparse.Namespace) -> int:
    from .io import retention

    actor = _actor(args)
    access.require(args.db, actor, access.Action.PURGE)
    now = None
    if args.now:
        try:
            now = pd.Timestamp(args.now, tz="UTC")
        except ValueError:
            raise WerkwijzerError(f"--now '{args.now}' is geen datum; schrijf jjjj-mm-dd.") \
                from None
    if args.notes_months < 1 or args.points_years < 1:
        raise WerkwijzerError("--notes-months en --points-years moeten 1 of meer zijn.")
    plan = retention.plan_purge(args.db, now=now, notes_months=args.notes_months,
                                points_years=args.points_years)
    lines = plan.describe()
    if args.dry_run:
        print("Proef, niets veranderd. Bij opschonen gaat weg:")
    else:
        retention.run_purge(args.db, plan, actor=actor)
        print("Opgeschoond:")
    for line in lines:
        print(f"- {line}")
    return 0


def _run_copy(args: argparse.Namespace) -> int:
    actor = access.cli_actor(args.source, args.as_user)  # a missing source: said by the copy
    print(storage.copy_workspace(args.source, args.target, actor=actor).describe())
    return 0


def _run_workspaces(args: argparse.Namespace) -> int:
    if not storage.is_database_url(args.db):
        raise WerkwijzerError(f"{args.db} is geen database-adres. Een GeoPackage is één "
                              "werkruimte; een regio met meer buurten gebruikt "
                              "postgresql://gebruiker@server/database.")
    found = storage.list_workspaces(args.db)
    if not found:
        print("Nog geen werkruimtes in deze database. Maak er een met 'init --db "
              "postgresql://...?workspace=naam' of kopieer er een naartoe met 'copy'.")
    for info in found:
        print(f"{storage.parse_database_url(info.location).workspace}: {info.name} "
              f"(tijdzone {info.tz}{', demo' if info.is_demo else ''})")
    return 0


def _run_bench(args: argparse.Namespace) -> int:
    if args.browser:
        from .browser_bench import DEFAULT_SIZES, run_browser_benchmarks

        try:
            import playwright  # noqa: F401  (a test dependency)
        except ImportError:
            raise WerkwijzerError("De browsermeting heeft Playwright nodig: installeer "
                                  "requirements-dev.txt (zie README, Tests).") from None
        sizes = tuple(int(part) for part in args.sizes.split(",") if part.strip()) \
            if args.sizes else DEFAULT_SIZES
        run_browser_benchmarks(sizes, steps=args.steps, json_path=args.json)
        return 0
    from .bench import run_benchmarks

    sizes = [int(part) for part in (args.sizes or "10000,100000,1000000").split(",")
             if part.strip()]
    run_benchmarks(sizes, repeats=args.repeats, json_path=args.json, database=args.postgres,
                   region=args.region)
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from .analysis.evaluation import evaluate

    first, _, last = args.seeds.partition("-")
    try:
        seeds = tuple(range(int(first), int(last or first) + 1))
    except ValueError:
        raise WerkwijzerError(f"Seeds '{args.seeds}' zijn niet te lezen. Schrijf van-tot in hele "
                              "getallen, bijvoorbeeld 100-119.") from None
    if not seeds:
        raise WerkwijzerError(f"Seeds '{args.seeds}': de eerste is groter dan de laatste.")
    result = evaluate(seeds)
    print(f"{result['worlds']} werelden (seeds {seeds[0]}-{seeds[-1]}, niet gebruikt om "
          f"drempels te kiezen): {result['planted']} geplant, {result['found']} gevonden.")
    print(f"recall {result['recall']:.3f}  precisie {result['precision']:.3f}  "
          f"uren goed (Jaccard) {result['hour_accuracy']:.3f}")
    for case in result["worst"]:
        print(f"\n{case['world']}:")
        for line in case["missed"]:
            print(f"  gemist: {line}")
        for line in case["false"]:
            print(f"  onterecht: {line}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False),
                                   encoding="utf-8")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per job.

    Returns
    -------
    argparse.ArgumentParser
        Subcommands init, demo, import, patterns, evaluate-patterns, export, roles, purge,
        copy, workspaces and bench.

    Examples
    --------
    >>> build_parser().parse_args(["patterns", "--db", "b.gpkg", "--hours", "21-2"]).hours
    '21-2'
    """
    parser = argparse.ArgumentParser(prog="python -m werkwijzer_geo",
                                     description="Buurtkaart: werkruimtes maken en meten.")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="maak een lege werkruimte")
    init.add_argument("--db", required=True, help="pad van de nieuwe GeoPackage, of "
                      "postgresql://gebruiker@server/database?workspace=naam")
    init.add_argument("--boundary", help="bestand met de buurtgrens (GeoJSON, GeoPackage)")
    init.add_argument("--tz", default=s.DEFAULT_TZ, help="tijdzone, standaard Europe/Amsterdam")
    init.add_argument("--name", help="naam van de buurt in de app (standaard die van de "
                      "buurtgrens, anders die van de werkruimte)")
    init.set_defaults(run=_run_init)
    demo = commands.add_parser("demo", help="maak de demobuurt Oosterwijk")
    demo.add_argument("--db", required=True, help="pad van de nieuwe GeoPackage, of "
                      "postgresql://gebruiker@server/database?workspace=naam")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED)
    demo.add_argument("--observations", type=int, help="aantal waarnemingen (tot 1.000.000)")
    demo.set_defaults(run=_run_demo)
    imports = commands.add_parser("import", help="importeer een bestand in een laag")
    imports.add_argument("file", help="CSV, XLSX, GeoJSON of GeoPackage")
    imports.add_argument("--layer", required=True, help="doellaag, bv. observations of spots")
    imports.add_argument("--db", required=True, help="de werkruimte")
    imports.add_argument("--dry-run", action="store_true", help="alleen controleren")
    imports.add_argument("--tz", help="tijdzone van tijden zonder +01:00 in het bestand")
    imports.add_argument("--date-format", choices=DATE_ORDERS,
                         help="hoe het bestand datums met het jaar achteraan schrijft, als de "
                              "datums zelf het niet zeggen (05-06-2026)")
    imports.add_argument("--map", action="append", default=[], metavar="DOEL=BRON")
    imports.add_argument("--values", action="append", default=[],
                         metavar="KOLOM:BRONWAARDE=CODE")
    imports.add_argument("--default", action="append", default=[], metavar="KOLOM=WAARDE",
                         help="waarde voor elke rij, voor een kolom die het bestand niet heeft")
    imports.add_argument("--mapping", help="bewaarde koppeling (JSON)")
    imports.add_argument("--save-mapping", help="bewaar de gebruikte koppeling (JSON)")
    imports.add_argument("--sheet", help="werkblad van een XLSX-bestand")
    imports.add_argument("--source-layer", help="laag van een GeoPackage")
    imports.set_defaults(run=_run_import)
    patterns = commands.add_parser("patterns", help="wat komt terug: patronen, gaten, claims")
    patterns.add_argument("--db", required=True)
    _add_filters(patterns)
    patterns.add_argument("--json", action="store_true", help="als JSON (docs/patterns-json.md)")
    defaults = PatternSettings()
    patterns.add_argument("--min-share", type=float, default=defaults.min_share)
    patterns.add_argument("--min-rounds", type=int, default=defaults.min_rounds)
    patterns.add_argument("--min-dates", type=int, default=defaults.min_dates)
    patterns.add_argument("--rounds-from-observations", type=int, metavar="MINUTEN",
                          help="leid eerst rondes af uit de waarnemingen (een pauze langer dan "
                               "MINUTEN begint een nieuwe) en sla ze op")
    patterns.set_defaults(run=_run_patterns)
    evaluation = commands.add_parser(
        "evaluate-patterns", help="patronen zoeken in nagemaakte buurten en nameten")
    evaluation.add_argument("--seeds", default="100-119",
                            help="bv. 100-119 (niet gebruikt om drempels te kiezen)")
    evaluation.add_argument("--json", help="schrijf de uitkomst ook als JSON")
    evaluation.set_defaults(run=_run_evaluate)
    export = commands.add_parser("export", help="momentopname voor een rapport")
    export.add_argument("--db", required=True)
    export.add_argument("--layers", required=True, help="bv. observations,spots")
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("--out", required=True)
    export.add_argument("--public", action="store_true",
                        help="voor bewoners: vakken van 50 m, kleine aantallen weg, geen notities")
    export.add_argument("--codes", action="store_true",
                        help="CSV met de opgeslagen codes en kolomnamen (om opnieuw te "
                             "importeren); standaard Nederlandse namen en labels")
    _add_filters(export)
    export.set_defaults(run=_run_export)
    roles = commands.add_parser("roles", help="wie heeft welke rol in de werkruimte")
    roles.add_argument("--db", required=True)
    roles.add_argument("--grant", action="append", default=[], metavar="E-MAIL=ROL",
                       help="geef een rol: team, presentatie of beheer (de eerste is beheer)")
    roles.add_argument("--revoke", action="append", default=[], metavar="E-MAIL",
                       help="neem iemands rol af")
    roles.set_defaults(run=_run_roles)
    purge = commands.add_parser("purge", help="notities en verhalen ouder dan de bewaartermijn "
                                "opschonen")
    purge.add_argument("--db", required=True)
    purge.add_argument("--dry-run", action="store_true", help="alleen laten zien wat weggaat")
    purge.add_argument("--notes-months", type=int, default=12,
                       help="teksten ouder dan zoveel maanden gaan weg (standaard 12)")
    purge.add_argument("--points-years", type=int, default=2,
                       help="waarnemingen ouder dan zoveel jaar houden alleen hun vak van 50 m "
                            "(standaard 2)")
    purge.add_argument("--now", help="tel terug vanaf deze datum (jjjj-mm-dd) in plaats van "
                       "vandaag, om een plan te bekijken")
    purge.set_defaults(run=_run_purge)
    copy = commands.add_parser("copy", help="kopieer een hele werkruimte, GeoPackage of "
                               "PostGIS, en controleer de kopie rij voor rij")
    copy.add_argument("--from", dest="source", required=True, metavar="WERKRUIMTE")
    copy.add_argument("--to", dest="target", required=True, metavar="NIEUWE_WERKRUIMTE",
                      help="een nieuwe .gpkg, of postgresql://...?workspace=naam")
    copy.set_defaults(run=_run_copy)
    workspaces = commands.add_parser("workspaces", help="de werkruimtes in een database")
    workspaces.add_argument("--db", required=True, metavar="postgresql://...")
    workspaces.set_defaults(run=_run_workspaces)
    for command in (imports, patterns, export, roles, purge, copy):
        command.add_argument("--as", dest="as_user", metavar="E-MAIL",
                             help="wie je bent, als mensen in deze werkruimte een rol hebben")
    bench = commands.add_parser("bench", help="meet de snelheid")
    bench.add_argument("--sizes", help="waarnemingen per meting, bv. 10000,100000,1000000 "
                       "(met --browser: 0 is de demobuurt zoals hij is; standaard "
                       "0,10000,100000,1000000)")
    bench.add_argument("--repeats", type=int, default=5)
    bench.add_argument("--browser", action="store_true",
                       help="meet in Chromium wat een gebruiker merkt: eerste kaart, "
                       "schuifstap tot de kaart veranderd is, werk en geheugen van de server")
    bench.add_argument("--steps", type=int, default=5, help="schuifstappen per meting")
    bench.add_argument("--json", help="schrijf de uitkomsten ook als JSON naar dit pad")
    bench.add_argument("--postgres", metavar="postgresql://...",
                       help="meet elke grootte ook in deze PostGIS-database (naast de "
                            "GeoPackage), met de verhouding per meting")
    bench.add_argument("--region", type=int, default=0, metavar="N",
                       help="met --postgres: vul de database met N buurten van 100.000 "
                            "waarnemingen en meet het openen van een van hen")
    bench.set_defaults(run=_run_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; 0 on success, 2 on bad input (one line per problem).

    Parameters
    ----------
    argv
        The arguments; default `sys.argv[1:]`.

    Returns
    -------
    int
        The exit status.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     status = main(["patterns", "--db", "bestaat-niet.gpkg"])
    >>> status, err.getvalue().startswith("fout: Werkruimte bestaat-niet.gpkg bestaat niet")
    (2, True)
    """
    args = build_parser().parse_args(argv)
    os.umask(0o077)  # every file a command makes (workspace, backup, export, log): owner only
    configure_logging()
    try:
        return int(args.run(args))
    except WerkwijzerError as error:
        # The log says what was refused, not the lines: they can quote a cell a team typed.
        LOG.warning("geweigerd: %s met %s probleem/problemen", args.command, len(error.problems))
        for problem in error.problems:
            print(f"fout: {problem}", file=sys.stderr)
        return 2
    except Exception:
        LOG.exception("onverwachte fout in %s", args.command)
        raise
