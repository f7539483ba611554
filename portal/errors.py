"""One error hierarchy for the use cases; each entry point turns it into what its user sees."""


class PortalError(Exception):
    """A use case could not be carried out; the message is for people (already translated)."""


class InvalidInput(PortalError):
    """What was given is not acceptable (a malformed address, an unknown code...)."""


class LoginRefused(PortalError):
    """Wrong address or password, or an inactive account."""


class LoginThrottled(PortalError):
    """Too many failed logins recently; try again later."""
