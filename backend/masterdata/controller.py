"""Master data over HTTP (being written)."""

MASTERDATA_CONTROLLERS: list[type] = []
