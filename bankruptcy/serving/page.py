"""The service's web page: one company by form, many by CSV upload; no external assets.

The page is ``static/page.html`` (inline CSS and JavaScript), served as it is: a shell that
holds no model data. It reads the model (facts, input contract, training medians) from
``GET /v1/model`` and scores through ``POST /v1/predict``. When the service takes API keys, a
browser cannot send one with the page's own request, so the shell is served without one and
asks for the key when ``/v1/model`` answers 401; it keeps the key for the tab only
(``sessionStorage``) and sends it as ``Authorization: Bearer <key>`` with every request.

The form is generated from the contract (names, descriptions, training medians as
placeholders); results show the probability, the decision, the risk band, the input warnings
and a chart of the top risk factors.
"""

from __future__ import annotations

from importlib import resources

#: The page's HTML (read once: it is the same for every model).
PAGE = resources.files("bankruptcy.serving").joinpath("static/page.html").read_text()
