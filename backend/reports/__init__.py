"""The report engine: reports as data (a whitelisted dataset, dimensions, measures, filters, a chart), run with the
caller's scope, exported as CSV, XLSX and PDF."""
