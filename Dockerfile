# The CityOps image: web (gunicorn), worker and beat all run it (docker-compose.yml).

# Front-end packages from the npm registry (package-lock.json), never from a CDN at run time.
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# pg_dump / pg_restore for `manage.py backup` and `restore` (Debian bookworm's client is 15, as the db).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# Dependencies first (pyproject.toml, gunicorn included): a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .
COPY . .
COPY --from=assets /app/node_modules ./node_modules
# Hashed, compressed static files and their manifest (STATIC_MANIFEST follows DEBUG=false), baked
# into the image; whitenoise serves them. The volumes' mount points belong to the unprivileged user,
# so fresh named volumes start out writable by it.
RUN DEBUG=false SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=build \
        python manage.py collectstatic --no-input --verbosity 0 \
    && useradd --system --uid 10001 --no-create-home --home-dir /app cityops \
    && mkdir -p /data/media /data/beat \
    && chown -R cityops /data /app/var
USER cityops
EXPOSE 8000 8001
# The same worker count as docker-compose.yml's web service (WEB_WORKERS, default 8).
CMD ["sh", "-c", "exec gunicorn cityops.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_WORKERS:-8} --no-control-socket"]
