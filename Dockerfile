# The gateway's image: `gateway serve` on 0.0.0.0:8000, as a non-root user, with the exact
# dependency versions of constraints.txt. Configure it with GATEWAY_* variables
# (docs/configuration.md); compose.yaml runs it behind HAProxy, beside PgBouncer and a replica.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Every install below, the build backend's included, takes constraints.txt's versions.
    PIP_CONSTRAINT=/app/constraints.txt

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY gateway ./gateway
RUN pip install --no-cache-dir . \
    && groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --shell /usr/sbin/nologin gateway

# Numeric, so the runtime can tell it is not root without reading the image's /etc/passwd.
USER 10001:10001
ENV GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8000 \
    GATEWAY_LOG_FORMAT=json
EXPOSE 8000

# Ready = the database answers (/readyz); urlopen raises on a 503, so the check fails.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['GATEWAY_PORT']}/readyz\", timeout=2)"]

ENTRYPOINT ["gateway"]
CMD ["serve"]
