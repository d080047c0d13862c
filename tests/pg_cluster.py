"""A throw-away PostgreSQL + PostGIS cluster for the tests: made in a temporary folder,
listening only on a Unix socket there, removed after.

Uses Debian's `postgresql` and `postgis` packages (scripts/test.sh installs them). PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` user the package made.

Run it by hand for a server to try things on:
    .venv/bin/python tests/pg_cluster.py /tmp/pg     # prints the address; Ctrl-C stops it
(with PostgreSQL's own durable settings, for `bench --postgres`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE = "buurtkaart"
PORT = 54329  # only the number in the socket's name: the server listens on no TCP port


def find_bin_dir() -> Path:
    """Debian's newest PostgreSQL programs (`/usr/lib/postgresql/<n>/bin`)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is niet geïnstalleerd: apt-get install postgresql "
                           "postgis (scripts/test.sh doet dat).")
    return Path(found[-1]).parent


@dataclass
class Cluster:
    folder: Path
    bin_dir: Path
    run_as: list[str]

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, database: str = DATABASE, **query: str) -> str:
        """A libpq address of a database on this cluster, with extra query parameters."""
        params = {"host": str(self.socket_dir), "port": str(PORT), **query}
        return f"postgresql://postgres@/{database}?" + "&".join(
            f"{key}={value}" for key, value in params.items())

    def psql(self, sql: str, database: str = DATABASE) -> str:
        return subprocess.run(
            [str(self.bin_dir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", str(self.socket_dir), "-p", str(PORT), "-U", "postgres", "-d", database,
             "-c", sql], check=True, capture_output=True, text=True).stdout

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D",
                        str(self.folder / "data"), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def start_cluster(folder: Path | None = None, *, durable: bool = False) -> Cluster:
    """initdb, start, and make the `buurtkaart` database with PostGIS in it. Tests run it
    without flushing to disk (faster; the server itself is never killed); `durable` keeps
    PostgreSQL's own settings, as a benchmark should."""
    bin_dir = find_bin_dir()
    folder = Path(folder or tempfile.mkdtemp(prefix="buurtkaart-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    run_as: list[str] = []
    if os.getuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(folder, bin_dir, run_as)
    data = folder / "data"
    _run([*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
          "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
    _run([*run_as, "mkdir", "-p", str(cluster.socket_dir)])
    options = (f"-k {cluster.socket_dir} -p {PORT} -c listen_addresses='' "
               "-c max_connections=200 -c shared_buffers=256MB")
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    _run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
          "-l", str(folder / "server.log"), "-w", "-t", "60", "start"])
    cluster.psql(f"CREATE DATABASE {DATABASE}", database="postgres")
    cluster.psql("CREATE EXTENSION postgis")
    return cluster


if __name__ == "__main__":
    running = start_cluster(Path(sys.argv[1]) if len(sys.argv) > 1 else None, durable=True)
    print(running.url(workspace="oosterwijk"), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        running.stop()
