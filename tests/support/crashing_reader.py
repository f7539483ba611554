"""`flask --app wsgi ...` with a form reader that kills the process on one message (its
subject holds GIẾT-TIẾN-TRÌNH), as a crash in a C library or the memory killer would."""

import os
import signal
import sys

from flask.cli import main

from portal.services import reading

real_read_return = reading.read_return


def deadly_read_return(message, parsed, *ahead):
    if "GIẾT-TIẾN-TRÌNH" in parsed.subject:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_read_return(message, parsed, *ahead)


if __name__ == "__main__":
    reading.read_return = deadly_read_return  # what the intake calls to read a form
    sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
    main()
