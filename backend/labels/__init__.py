"""Labels (标签): templates as data, one renderer (PNG, PDF, ZPL II), printers, print jobs and the print history."""
