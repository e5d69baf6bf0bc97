"""Work orders: consume lots, produce lots or serial units, record genealogy."""
