"""The CLI's one error funnel: user errors exit 1 (or their code), bugs 3, Ctrl-C 130.

A write the file system refused (disk full, quota, read-only) is not a bug: wherever it
surfaces, as an ``OSError`` or as a library's error carrying the OS's reason, it ends in
one line and exit 1.
"""

import os
import sys
from collections.abc import Callable

from gitml.errors import GitmlError, write_failure
from gitml.escape import terminal


def guarded(call: Callable[[], int]) -> int:
    """Run ``call``; turn every exception into a one-line message and an exit code."""
    try:
        return call()
    except GitmlError as exc:
        sys.stderr.write(f"error: {terminal(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        _debug()
        failure = write_failure(exc, f"'{exc.filename}'" if exc.filename else "a file")
        where = f" ('{exc.filename}')" if exc.filename else ""
        sys.stderr.write(f"error: {failure or (exc.strerror or str(exc)) + where}\n")
        return 1
    except Exception as exc:  # noqa: BLE001 - the one funnel for bugs
        _debug()
        failure = write_failure(exc, "gitml's files")
        if failure is not None:
            sys.stderr.write(f"error: {failure}\n")
            return 1
        sys.stderr.write(
            f"unexpected error: {type(exc).__name__}: {exc}\n"
            "This is a bug in gitml. Re-run with GITML_DEBUG=1 for a traceback and report it.\n"
        )
        return 3


def _debug() -> None:
    """The traceback of the error being handled, when GITML_DEBUG is set."""
    if os.environ.get("GITML_DEBUG"):
        import traceback

        traceback.print_exc()
