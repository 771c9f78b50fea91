"""The CLI's one error funnel: user errors exit 1 (or their code), bugs 3, Ctrl-C 130."""

import os
import sys
from collections.abc import Callable

from gitml.errors import GitmlError


def guarded(call: Callable[[], int]) -> int:
    """Run ``call``; turn every exception into a one-line message and an exit code."""
    try:
        return call()
    except GitmlError as exc:
        from gitml.escape import terminal

        sys.stderr.write(f"error: {terminal(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one funnel for bugs
        if os.environ.get("GITML_DEBUG"):
            import traceback

            traceback.print_exc()
        sys.stderr.write(
            f"unexpected error: {type(exc).__name__}: {exc}\n"
            "This is a bug in gitml. Re-run with GITML_DEBUG=1 for a traceback and report it.\n"
        )
        return 3
