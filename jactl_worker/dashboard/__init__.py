"""``jactl-worker dashboard``: a web page to watch and steer one fleet (one key prefix).

Flask + Jinja2, with htmx vendored in static/ (served from the package: fleets run without
internet). app.py has the pages and actions, queries.py what they read from Redis (index
ranges only, so it stays fast with 100,000 instances), chart.py the activity chart (SVG).
"""

from .app import create_app, from_env, serve

__all__ = ["create_app", "from_env", "serve"]
