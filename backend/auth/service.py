"""Log-in and user management."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.auth.passwords import hash_password, needs_rehash, verify_password
from backend.auth.principal import Principal
from backend.errors import Conflict, InvalidInput, NotFound, Unauthorized
from shared_models.enums import Role
from shared_models.masterdata import Customer, Site
from shared_models.users import User


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role, site_id=user.site_id,
                     customer_id=user.customer_id)


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    # Same message for unknown user and wrong password: don't reveal which usernames exist.
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise Unauthorized("Unknown username or wrong password.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.commit()
    return user


def create_user(session: Session, *, username: str, password: str, role: Role, display_name: str = "",
                site_code: str | None = None, customer_code: str | None = None, locale: str = "zh-CN") -> User:
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"Username '{username}' is taken.", username=username)
    site_id = customer_id = None
    if site_code:
        site = session.exec(select(Site).where(Site.code == site_code)).first()
        if site is None:
            raise NotFound("site", site_code)
        site_id = site.id
    if role is Role.DISTRIBUTOR:
        if not customer_code:
            raise InvalidInput("A distributor user needs the distributor's customer code.")
        customer = session.exec(select(Customer).where(Customer.code == customer_code)).first()
        if customer is None:
            raise NotFound("customer", customer_code)
        customer_id = customer.id
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise InvalidInput(f"Password for '{username}': {exc}.") from exc
    user = User(username=username, display_name=display_name or username, password_hash=password_hash, role=role,
                site_id=site_id, customer_id=customer_id, locale=locale)
    session.add(user)
    session.commit()
    return user
