"""Looking into a workspace's store from outside Buurtkaart, as QGIS or a database client
would: SQL on the GeoPackage (sqlite3) or on the PostGIS schema (psycopg)."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import psycopg
from psycopg import sql

from werkwijzer_geo import schema as s
from werkwijzer_geo.io import postgis, storage


def is_database(workspace) -> bool:
    return storage.is_database_url(workspace)


@contextlib.contextmanager
def database(workspace):
    """A psycopg connection to the workspace's schema (search_path set), autocommit."""
    address = postgis.parse_address(str(workspace))
    with psycopg.connect(address.conninfo, autocommit=True,
                         options=f"-c search_path={address.workspace},public "
                                 "-c TimeZone=UTC") as connection:
        yield connection


def run_sql(workspace, query: str) -> list[tuple]:
    """A query on the store itself: SQLite for a GeoPackage, PostgreSQL for PostGIS."""
    if is_database(workspace):
        with database(workspace) as connection:
            cursor = connection.execute(query)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    with contextlib.closing(sqlite3.connect(Path(workspace))) as connection:
        return connection.execute(query).fetchall()


def fingerprint(workspace) -> str:
    """Changes with any change to what is stored: the file's bytes, or every table's rows."""
    if not is_database(workspace):
        return hashlib.sha256(Path(workspace).read_bytes()).hexdigest()
    address = postgis.parse_address(str(workspace))
    digest = hashlib.sha256()
    with database(workspace) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "ORDER BY table_name", (address.workspace,)).fetchall()]
        for table in tables:
            rows = connection.execute(sql.SQL("SELECT t::text FROM {} AS t ORDER BY 1").format(
                sql.Identifier(address.workspace, table))).fetchall()
            digest.update(f"{table}:{rows}".encode())
    return digest.hexdigest()


def count_rows(workspace, layer: str = s.OBSERVATIONS) -> int:
    return run_sql(workspace, f'SELECT count(*) FROM "{layer}"')[0][0]
