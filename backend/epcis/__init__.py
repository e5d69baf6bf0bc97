"""EPCIS 2.0 (JSON-LD) with the GS1 REST binding: Lotline's events exported, partners' events captured and queried."""
