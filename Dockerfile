# The portal's image: web (gunicorn), Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml ./
RUN pip install .

COPY . .
# The Welsh catalogue (locale/cy), compiled with polib: the .mo is build output, not in git.
# Hashed, compressed static files for WhiteNoise; a throw-away key, only to import the settings.
RUN python -m config.compile_messages \
    && DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 portal \
    && mkdir -p /data/media && chown portal /data/media
USER portal

EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
