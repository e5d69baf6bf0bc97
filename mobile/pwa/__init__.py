"""The handheld as an installable offline PWA: `builder` makes the static bundle (`lotline build-app`), `entry` is
the bundle's main.py that starts the same Flet app in the browser (Pyodide). Importing this package imports
neither."""
