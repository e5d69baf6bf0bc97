"""The `lotline` command line: `backend.cli.main` builds it from the command modules beside it."""
