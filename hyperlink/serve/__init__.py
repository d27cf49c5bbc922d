"""The browser pages and their JSON API (`hyperlink serve`), and the same pages as a static folder
(`hyperlink report-html`). Needs the `serve` extra (fastapi, uvicorn, jinja2) for the server."""

from .app import create_app, open_catalogue
from .pages import AnchorPage, Catalogue, Column, Target

__all__ = ["create_app", "open_catalogue", "Catalogue", "AnchorPage", "Column", "Target"]
