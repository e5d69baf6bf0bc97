"""The office console: server-rendered pages (Jinja2 + htmx + ECharts) over the same services as the API."""
