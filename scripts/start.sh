#!/usr/bin/env bash
# Set up and start Buurtkaart; without WERKWIJZER_DB it opens the demo neighbourhood.
source "$(dirname "$0")/_venv.sh" requirements.txt
exec .venv/bin/streamlit run app.py "$@"
