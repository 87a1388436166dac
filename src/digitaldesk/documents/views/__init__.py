"""Pages of documents: thin views (parse, gate, call the service, render).

One module per concern; `documents/urls.py` maps each URL to its view. See docs/documents.md.
"""
