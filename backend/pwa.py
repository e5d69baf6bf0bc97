"""The handheld PWA at /app/: the static bundle `lotline build-app` makes (Settings.app_bundle_dir), and the local
certificate authority's root certificate with the steps to trust it on a phone.

The bundle's own service worker keeps the shell offline; HTTP caching here only saves bytes: every shell file is
`no-cache` (revalidated by ETag, answered 304 when unchanged), because flet-web's file names carry no content hash
and a stale main.dart.js next to a new index.html must never happen for a browser without the service worker. The
service worker precaches with `cache: "reload"`, so it always takes the current bytes. Large files are sent as the
gzip copy the builder wrote next to them when the browser accepts gzip."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from litestar import Request, Response, Router, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import File, Redirect

PREFIX = "/app"
MEDIA_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
    ".wasm": "application/wasm", ".json": "application/json", ".webmanifest": "application/manifest+json",
    ".png": "image/png", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2", ".zip": "application/zip",
    ".gz": "application/gzip", ".bin": "application/octet-stream", ".frag": "application/octet-stream",
}
NO_STORE = {"sw.js"}  # browsers re-check the worker script themselves; never let a proxy keep an old one
CA_FILE = "ca.crt"
CA_MEDIA_TYPE = "application/x-x509-ca-cert"


def bundle_dir(state: State) -> Path:
    return Path(state.settings.app_bundle_dir)


def _not_built(folder: Path) -> Response[str]:
    return Response(f"The handheld app is not built yet: run `lotline build-app --out {folder}` (lotline serve and "
                    "lotline demo build it when missing).", status_code=503, media_type="text/plain")


def shell_file(folder: Path, rel: str, accept_encoding: str) -> File | None:
    """The bundle file for `rel` (a path under /app/), or None when there is none. Never leaves `folder`."""
    parts = PurePosixPath(rel or "index.html").parts
    if any(p in ("..", "") or p.startswith(".") for p in parts) or (rel.endswith(".gz") and rel != "app.tar.gz"):
        return None
    path = folder.joinpath(*parts)
    if not path.is_file():
        return None
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    headers = {"Cache-Control": "no-store" if rel in NO_STORE else "no-cache", "X-Content-Type-Options": "nosniff"}
    if rel == "sw.js":
        headers["Service-Worker-Allowed"] = f"{PREFIX}/"
    packed = path.with_name(path.name + ".gz")
    if "gzip" in accept_encoding and packed.is_file():
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        path = packed
    elif packed.is_file():
        headers["Vary"] = "Accept-Encoding"
    return File(path, filename=parts[-1], media_type=media_type, content_disposition_type="inline", headers=headers)


@get("/", sync_to_thread=False)
def app_root(request: Request) -> Response[str] | File | Redirect:  # type: ignore[type-arg]
    raw = request.scope.get("raw_path") or request.url.path.encode()  # Litestar drops the trailing slash in path
    if not bytes(raw).endswith(b"/"):  # the service worker's scope is /app/: /app alone is outside it
        return Redirect(f"{PREFIX}/", status_code=308)
    return app_file(request, "")


@get("/{rel:path}", sync_to_thread=False)
def app_path(request: Request, rel: FromPath[Path]) -> Response[str] | File:  # type: ignore[type-arg]
    return app_file(request, rel.as_posix().lstrip("/"))


def app_file(request: Request, rel: str) -> Response[str] | File:  # type: ignore[type-arg]
    folder = bundle_dir(request.app.state)
    if rel == CA_FILE:
        return ca_certificate(request)
    if not (folder / "index.html").is_file():
        return _not_built(folder)
    found = shell_file(folder, rel, request.headers.get("accept-encoding", ""))
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return found


def ca_certificate(request: Request) -> Response[str] | File:  # type: ignore[type-arg]
    path = Path(request.app.state.settings.tls_dir) / CA_FILE
    if not path.is_file():
        return Response("No local certificate authority: this server was not started with --tls.", status_code=404,
                        media_type="text/plain")
    return File(path, filename="lotline-ca.crt", media_type=CA_MEDIA_TYPE, content_disposition_type="attachment",
                headers={"Cache-Control": "no-cache"})


@get("/trust", sync_to_thread=False, media_type="text/html")
def trust_page(request: Request) -> str:
    from backend.tls import trust_steps_html

    return trust_steps_html(f"{PREFIX}/{CA_FILE}")


pwa_router = Router(path=PREFIX, route_handlers=[app_root, trust_page, app_path], include_in_schema=False,
                    opt={"exclude_from_auth": True})
