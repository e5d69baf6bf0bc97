"""Coding (标签与赋码, "one object, one code"): numbering rules and the numbers they hand out, reserved blocks for
offline handhelds, and the keys that sign anti-diversion codes (GS1 AI 8030)."""
