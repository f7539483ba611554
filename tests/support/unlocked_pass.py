"""One poller pass without the mailbox lock: the tests race two of these to show that the
database alone keeps every message stored and answered once. (`flask mailin poll` always
takes the lock.) With --pending: only finish the stored messages still new."""

import sys

from portal import create_app
from portal.services.intake import process_pending
from portal.services.polling import poll_one_pass

if __name__ == "__main__":
    with create_app().app_context():
        print(process_pending() if "--pending" in sys.argv else poll_one_pass())
