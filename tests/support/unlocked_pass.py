"""One poller pass without the mailbox lock: the tests race two of these to show that the
database alone keeps every message stored and answered once. (`flask mailin poll` always
takes the lock.)"""

from portal import create_app
from portal.services.mailbox import poll_one_pass

if __name__ == "__main__":
    with create_app().app_context():
        print(poll_one_pass())
