#!/usr/bin/env bash
# Set up and run every test: lint, unit tests, AppTest pages, browser tests in Debian's Chromium.
source "$(dirname "$0")/_venv.sh" requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
