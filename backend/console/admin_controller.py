"""Users and roles (用户与角色) and printers (打印机), for administrators: accounts created, deactivated and
reactivated, passwords reset and log-ins ended through backend/auth/service.py; printers listed, added, switched
off and on through backend/labels' PrinterService."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, Parameter, QueryParameter
from pydantic import ValidationError

from backend.auth import service as auth
from backend.console.admin_forms import PasswordForm, PrinterForm, UserCreateForm
from backend.console.pages import render, require, texts_for
from backend.console.people_service import account, accounts
from backend.console.tables import page_of
from backend.deps import Caller, Db
from backend.errors import InvalidInput
from backend.labels.models import PrinterKind
from backend.labels.printer_service import PrinterService
from backend.labels.schemas import PrinterCreate, PrinterUpdate
from backend.masterdata.record_service import MasterDataService
from shared_models.enums import Role

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
USER_SORTS = {"username": lambda a: a.username, "role": lambda a: a.role, "site": lambda a: a.site or None,
              "active": lambda a: not a.active}
USER_ACTIONS = {"deactivate": auth.deactivate_user, "reactivate": auth.reactivate_user,
                "end-logins": auth.revoke_tokens}


def _role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        raise InvalidInput(f"role: '{raw}' is not a role; use one of {', '.join(r.value for r in Role)}.") from None


class UserPages(Controller):
    path = "/users"

    @get("/", sync_to_thread=True)
    def users(self, request: Request[Any, Any, Any], db: Db, principal: Caller,
              sort: Annotated[str, Parameter(max_length=16)] = "username",
              direction: Annotated[str, QueryParameter(name="dir", max_length=4)] = "asc",
              page: Annotated[int, Parameter(ge=1, le=100_000)] = 1) -> Response[str]:
        require(principal, "users")
        table = page_of(accounts(db), sort=sort, desc=direction == "desc", page=page, keys=USER_SORTS, size=50)
        return render(request, "users.html", table=table, roles=[r.value for r in Role],
                      sites=[s.code for s in MasterDataService(db).list_sites(limit=200)])

    @post("/", status_code=200, sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], db: Db, principal: Caller,
               data: Annotated[UserCreateForm, Form]) -> Response[str]:
        require(principal, "users")
        user = auth.create_user(db, username=data.username, password=data.password, role=_role(data.role),
                                display_name=data.display_name, site_code=data.site or None,
                                customer_code=data.customer or None, locale=data.locale)
        t = texts_for(request)
        return render(request, "_user_row.html", a=account(db, user.username), created=True,
                      headers={"HX-Trigger": "userCreated"}, message=t("users.created", name=user.username))

    @post("/{username:str}/{action:str}", status_code=200, sync_to_thread=True)
    def change(self, request: Request[Any, Any, Any], username: FromPath[str], action: FromPath[str], db: Db,
               principal: Caller) -> Response[str]:
        require(principal, "users")
        if action not in USER_ACTIONS:
            raise InvalidInput(f"'{action}' is not a change of a user; use one of {', '.join(USER_ACTIONS)}.")
        if username == principal.username and action != "reactivate":
            raise InvalidInput("You cannot deactivate yourself or end your own log-ins here; log out instead.")
        USER_ACTIONS[action](db, username)
        t = texts_for(request)
        return render(request, "_user_row.html", a=account(db, username), created=False,
                      message=t(f"users.done.{action}", name=username))

    @post("/{username:str}/password", status_code=200, sync_to_thread=True)
    def reset_password(self, request: Request[Any, Any, Any], username: FromPath[str], db: Db, principal: Caller,
                       data: Annotated[PasswordForm, Form]) -> Response[str]:
        require(principal, "users")
        auth.set_password(db, username, data.password)
        t = texts_for(request)
        return render(request, "_user_row.html", a=account(db, username), created=False,
                      message=t("users.done.password", name=username))


class PrinterPages(Controller):
    path = "/printers"

    @get("/", sync_to_thread=True)
    def printers(self, request: Request[Any, Any, Any], db: Db, principal: Caller) -> Response[str]:
        require(principal, "printers")
        sites = MasterDataService(db).list_sites(limit=200)
        return render(request, "printers.html", printers=PrinterService(db, principal).all(),
                      sites=sites, site_codes={s.id: s.code for s in sites}, kinds=[k.value for k in PrinterKind])

    @post("/", status_code=200, sync_to_thread=True)
    def add(self, request: Request[Any, Any, Any], db: Db, principal: Caller,
            data: Annotated[PrinterForm, Form]) -> Response[str]:
        require(principal, "printers")
        site = MasterDataService(db).get_site(data.site) if data.site else None
        try:
            create = PrinterCreate.model_validate({
                "name": data.name, "kind": data.kind, "host": data.host or None, "port": data.port,
                "dpi": data.dpi, "media": data.media, "site_id": site.id if site else None})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidInput(f"Printer {data.name}: {first['loc'][0]}: {first['msg']}.") from exc
        printer = PrinterService(db, principal).create(create)
        return self._row(request, db, printer, "printers.added")

    @post("/{printer_id:str}/{action:str}", status_code=200, sync_to_thread=True)
    def switch(self, request: Request[Any, Any, Any], printer_id: FromPath[str], action: FromPath[str], db: Db,
               principal: Caller) -> Response[str]:
        require(principal, "printers")
        service = PrinterService(db, principal)
        if action == "disable":
            printer = service.remove(printer_id)
        elif action == "enable":
            printer = service.update(printer_id, PrinterUpdate(active=True))
        else:
            raise InvalidInput(f"'{action}' is not a change of a printer; use disable or enable.")
        return self._row(request, db, printer, f"printers.{action}d")

    @staticmethod
    def _row(request: Request[Any, Any, Any], db: Any, printer: Any, message: str) -> Response[str]:
        codes = {s.id: s.code for s in MasterDataService(db).list_sites(limit=200)}
        return render(request, "_printer_row.html", p=printer, site_codes=codes,
                      message=texts_for(request)(message, name=printer.name))
