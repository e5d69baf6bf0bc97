"""Master data: items, suppliers, customers, locations, equipment, BOMs; CRUD and CSV import."""
