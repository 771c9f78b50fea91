"""``git ml ui``: a local, read-only web app over the repository's records.

The server is the standard library's ``ThreadingHTTPServer`` with a small router
(``routes``); pages are static HTML shells whose script (``static/app.js``) renders the
JSON API with DOM text nodes only. Every handler reads through the same domain functions
as the CLI, opening the repository and refreshing the query index on each request, so new
records show up without a restart. Nothing here is imported on the CLI's start-up path.
"""
