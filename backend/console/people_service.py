"""The accounts the users page lists: every user with the codes of their site and customer (the auth service
changes them; listing is only a read)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from backend.auth.models import User
from shared_models.masterdata import Customer, Site


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    display_name: str
    role: str
    site: str
    customer: str
    locale: str
    active: bool


def accounts(session: Session) -> list[Account]:
    sites = dict(session.exec(select(Site.id, Site.code)).all())
    customers = dict(session.exec(select(Customer.id, Customer.code)).all())
    return [Account(u.username, u.display_name, u.role.value, sites.get(u.site_id or "", ""),
                    customers.get(u.customer_id or "", ""), u.locale, u.active)
            for u in session.exec(select(User).order_by(User.username)).all()]


def account(session: Session, username: str) -> Account:
    return next(a for a in accounts(session) if a.username == username)
