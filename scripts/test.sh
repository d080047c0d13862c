#!/usr/bin/env bash
# Set up and run every test: lint, unit tests, AppTest pages, browser tests in Debian's Chromium.
source "$(dirname "$0")/_venv.sh" requirements-dev.txt
# Debian's Chromium for the browser tests; poppler-utils renders the PDF report's pages.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/pdftoppm ] || missing="$missing poppler-utils"
if [ -n "$missing" ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
