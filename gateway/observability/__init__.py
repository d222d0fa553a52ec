"""Request ids, structured logs and Prometheus metrics.

    context.py       the current request's context (request id, customer, GraphQL operation)
    request_id.py    choosing a request's id
    client.py        the client address logs show
    logs.py          JSON / text log formatting, set up once per process
    access_log.py    one line per request
    metrics.py       the metrics and their bounded labels
    database.py      statement timing and pool gauges
    exposition.py    `GET /metrics`
    multiprocess.py  the folder several workers share their metrics through
    middleware.py    the ASGI middleware that ties these together

This package imports nothing here: `multiprocess` must be importable without importing
prometheus-client.
"""
