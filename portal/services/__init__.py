"""The use cases, as plain functions; admin views, CLI and the poller all call these."""
