"""Process gates: rules as data, checked at capture (refused online, recorded offline)."""
