#!/usr/bin/env bash
# Set up and run every test: lint, unit tests, AppTest pages, browser tests in Debian's Chromium.
source "$(dirname "$0")/_venv.sh" requirements-dev.txt
# Debian's Chromium for the browser tests; poppler-utils renders the PDF report's pages;
# PostgreSQL + PostGIS for the store tests (they start a throw-away cluster of their own in
# /tmp, on a Unix socket only, and drop it after: tests/pg_cluster.py).
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/pdftoppm ] || missing="$missing poppler-utils"
compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || missing="$missing postgresql"
compgen -G "/usr/share/postgresql/*/extension/postgis.control" > /dev/null || missing="$missing postgis"
if [ -n "$missing" ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
