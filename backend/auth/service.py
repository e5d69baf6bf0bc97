"""Log-in, the caller as their user row says now, and user management (each end of a log-in raises the user's
token generation, which voids every token issued before)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.auth.errors import TokenRevoked, UnknownUser, UserInactive
from backend.auth.models import User
from backend.auth.passwords import hash_password, needs_rehash, verify_decoy, verify_password
from backend.auth.principal import Principal
from backend.auth.throttle import Throttle, ThrottleLimits
from backend.errors import Conflict, InvalidInput, NotFound, Unauthorized
from shared_models.enums import Role
from shared_models.masterdata import Customer, Site
from shared_models.types import utcnow

# What authorisation needs of the caller, read by primary key on every request.
_CALLER = sa_select(User.id, User.username, User.role, User.site_id, User.customer_id,  # type: ignore[call-overload]
                    User.active, User.token_generation)


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role, site_id=user.site_id,
                     customer_id=user.customer_id, token_generation=user.token_generation)


def caller_now(engine: Engine, claimed: Principal) -> Principal:
    """The caller of a verified token as the user row says now (role, site, customer). Raises UnknownUser (the
    row is gone), UserInactive or TokenRevoked (the token's generation is not the user's)."""
    with engine.connect() as conn:
        row = conn.execute(_CALLER.where(User.id == claimed.user_id)).first()  # type: ignore[arg-type]
    if row is None:
        raise UnknownUser()
    if not row.active:
        raise UserInactive(row.username)
    if row.token_generation != claimed.token_generation:
        raise TokenRevoked()
    return Principal(user_id=row.id, username=row.username, role=row.role, site_id=row.site_id,
                     customer_id=row.customer_id, token_generation=row.token_generation)


def authenticate(session: Session, username: str, password: str, *, limits: ThrottleLimits,
                 address: str | None = None, now: datetime | None = None) -> User:
    """The user, or Unauthorized (the same sentence for an unknown user and a wrong password), or LoginThrottled
    after too many failures for this username or from this address (then even a right password is refused)."""
    throttle = Throttle(session, limits, username=username, address=address, now=now or utcnow())
    throttle.check()
    user = session.exec(select(User).where(User.username == username)).first()
    # Same message for unknown user and wrong password: don't reveal which usernames exist.
    if user is None or not user.active:
        verify_decoy(password)  # as slow as a wrong password: timing must not tell which usernames exist
    if user is None or not user.active or not verify_password(user.password_hash, password):
        throttle.failed()
        session.commit()
        raise Unauthorized("Unknown username or wrong password.")
    throttle.succeeded()
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
    user = User(username=username, display_name=display_name or username, password_hash=_hashed(username, password),
                role=role, site_id=site_id, customer_id=customer_id, locale=locale)
    session.add(user)
    session.commit()
    return user


# -- ending log-ins: each raises the generation in SQL, so two concurrent ends both move it ----------------------
def revoke_tokens(session: Session, username: str) -> User:
    """Ends every log-in of the user: their tokens answer 401 token_revoked from the next request on."""
    user = _by_name(session, username)
    _end_sessions(session, user)
    session.commit()
    return _fresh(session, user)


def deactivate_user(session: Session, username: str) -> User:
    user = _by_name(session, username)
    user.active = False
    _end_sessions(session, user)
    session.commit()
    return _fresh(session, user)


def reactivate_user(session: Session, username: str) -> User:
    user = _by_name(session, username)
    user.active = True
    session.add(user)
    session.commit()
    return user


def set_password(session: Session, username: str, new_password: str) -> User:
    """An administrator's reset: the new password, and every token of the user ended."""
    user = _by_name(session, username)
    user.password_hash = _hashed(username, new_password)
    _end_sessions(session, user)
    session.commit()
    return _fresh(session, user)


def change_own_password(session: Session, user_id: str, current_password: str, new_password: str) -> User:
    """The caller's own change: needs the current password (Unauthorized otherwise); ends every token of the
    user, this one included (the answer carries a fresh one)."""
    user = session.get(User, user_id)
    if user is None:
        raise UnknownUser()
    if not verify_password(user.password_hash, current_password):
        raise Unauthorized("The current password is wrong.")
    return set_password(session, user.username, new_password)


def _by_name(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("user", username)
    return user


def _hashed(username: str, password: str) -> str:
    try:
        return hash_password(password)
    except ValueError as exc:
        raise InvalidInput(f"Password for '{username}': {exc}.") from exc


def _end_sessions(session: Session, user: User) -> None:
    session.add(user)
    session.flush()
    session.execute(update(User).where(User.id == user.id)  # type: ignore[arg-type]
                    .values(token_generation=User.token_generation + 1))


def _fresh(session: Session, user: User) -> User:
    session.refresh(user)
    return user
