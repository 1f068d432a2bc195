# Kyodo web service. Build: docker build -t kyodo . ; run with DATABASE_URL pointing at PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 KYODO_ENV=production
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY schedules ./schedules
RUN pip install -c constraints.txt . \
    && useradd --create-home --uid 10001 kyodo \
    && mkdir -p /app/var && chown kyodo /app/var

USER kyodo
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["sh", "-c", "kyodo db upgrade && kyodo serve --host 0.0.0.0 --port 8000"]
