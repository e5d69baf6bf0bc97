"""The tamper-evident event log: a per-site hash chain over every event and its lines."""
