"""The code-signing public keys the handheld holds, so it can tell a genuine signed code (GS1 AI 8030) from a
forged one, or one signed by an unknown or revoked key, before any network round trip. Fetched while online
(GET /api/coding/keys: ids, public keys and status, never a private key) and kept in the store file."""

from __future__ import annotations

import json

from mobile.viewmodels.api import BackendApi, Offline, Refused
from sync.client import LocalStore

KV_KEY = "signing_keys"


class VerifyingKeys:
    def __init__(self, store: LocalStore, api: BackendApi) -> None:
        self.store = store
        self.api = api

    def held(self) -> dict[str, dict[str, str]]:
        """The keys as last fetched, by key id: {public_key, status} (empty before the first fetch). Plain data:
        shared_models.coding (which needs `cryptography`) is imported only where a signature is checked."""
        raw = self.store.kv_get(KV_KEY)
        return dict(json.loads(raw)) if raw else {}

    async def refresh(self) -> bool:
        """Replaces the held keys with the backend's list (a revoked key stays, marked revoked). False when the
        backend could not be reached or refused: the keys held before stay."""
        try:
            listed = await self.api.get("/api/coding/keys")
        except (Offline, Refused):
            return False
        keys = {k["kid"]: {"public_key": k["public_key"], "status": k["status"]} for k in listed}
        with self.store.write() as db:
            LocalStore.kv_set(db, KV_KEY, json.dumps(keys, sort_keys=True))
        return True
