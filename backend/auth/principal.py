"""Who is calling, and what of the plant they may see."""

from __future__ import annotations

from dataclasses import dataclass

from shared_models.enums import Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    username: str
    role: Role
    site_id: str | None = None       # None: every site
    customer_id: str | None = None   # set for distributors: they see only what was shipped to them
    token_generation: int = 0        # the user's generation when this was read: a token carrying another is void

    @property
    def is_distributor(self) -> bool:
        return self.role is Role.DISTRIBUTOR

    def sees_site(self, site_id: str | None) -> bool:
        return self.site_id is None or site_id == self.site_id


SYSTEM = Principal(user_id="system", username="system", role=Role.ADMIN)
