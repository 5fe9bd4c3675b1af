"""Typed REST resources over qbXML: ``/v1/end-users/{id}/customers``, ``/invoices``, … as jobs.

A SaaS developer who does not want to write qbXML calls a resource instead; the gateway turns the call
into the typed request model (:mod:`chalicelib.qbxml.models`), its qbXML into a job of the company file's
queue like any other (same serial guarantee, idempotency keys and SQS results), waits a while for
QuickBooks, and answers the job's qbXML as JSON.

* :mod:`~chalicelib.resources.catalog` — the resources, named as the hosted services name them, and the
  qbXML messages behind each (query, add, mod, delete, void), derived from the 16.0 message set;
* :mod:`~chalicelib.resources.build` — a REST call (list filters, an id, a JSON body) → request model →
  qbXML;
* :mod:`~chalicelib.resources.answer` — a finished job → the JSON of the call (an object, a list page,
  a deletion) or the error envelope's error.

Pure: no I/O. The service that enqueues, waits and keeps list cursors is :mod:`chalicelib.api.typed`.
"""
