"""The backend's side of sync: which rows go to which handhelds, and how uploaded writes meet the domain."""
