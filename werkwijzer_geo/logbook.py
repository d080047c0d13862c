"""The server's log file: what was imported, saved, exported and restored, and every error.

Lines name the workspace, the layer, how many rows and the file; never a note, a name or any
other text a team typed. The file is `$BUURTKAART_LOG`, else
`$XDG_STATE_HOME/buurtkaart/buurtkaart.log` (`~/.local/state/buurtkaart/buurtkaart.log`);
it is rotated at 5 MB, with 5 old files kept.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG = logging.getLogger("buurtkaart")
ENV_LOG = "BUURTKAART_LOG"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 5


def get_log_path() -> Path:
    """Where the log file is (see the module's docstring).

    Returns
    -------
    pathlib.Path
        `$BUURTKAART_LOG`, else `$XDG_STATE_HOME/buurtkaart/buurtkaart.log`.

    Examples
    --------
    >>> import os
    >>> old = os.environ.get(ENV_LOG)
    >>> os.environ[ENV_LOG] = "/var/log/buurtkaart.log"
    >>> get_log_path().as_posix()
    '/var/log/buurtkaart.log'
    >>> _ = os.environ.pop(ENV_LOG) if old is None else os.environ.update({ENV_LOG: old})
    """
    configured = os.environ.get(ENV_LOG)
    if configured:
        return Path(configured)
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "buurtkaart" / "buurtkaart.log"


def configure_logging(path: Path | None = None) -> Path | None:
    """Send the `buurtkaart` logger to the log file (once per process and file).

    Parameters
    ----------
    path
        The log file; default `get_log_path()`.

    Returns
    -------
    pathlib.Path or None
        The file, or None when it cannot be written (the app and the command line work on
        without a log rather than stop a team).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log" / "buurtkaart.log"
    >>> configure_logging(path) == path, configure_logging(path) == path  # added once
    (True, True)
    >>> LOG.info("opgeslagen: test")
    >>> "opgeslagen: test" in path.read_text(encoding="utf-8")
    True
    """
    path = path or get_log_path()
    for handler in LOG.handlers:
        if getattr(handler, "baseFilename", None) == str(path.resolve()):
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                           datefmt="%Y-%m-%d %H:%M:%S"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    return path
