"""预警: warning rules, their evaluation on new events and on a schedule, and notifications.

An app builds a `backend.warnings.runtime.WarningsRuntime` for its database and starts and stops it with itself.
"""
