"""The tamper-evident event log: a per-site hash chain over every event and its lines."""

from backend.eventlog.canonical import GENESIS, canonical, event_hash
from backend.eventlog.chain import install, link, link_rows, note
from backend.eventlog.verify import Break, SiteChain, link_unchained, verify_all, verify_site

__all__ = ["GENESIS", "Break", "SiteChain", "canonical", "event_hash", "install", "link", "link_rows",
           "link_unchained", "note", "verify_all", "verify_site"]
