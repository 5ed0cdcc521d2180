FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir . gunicorn
COPY . .
RUN DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --no-input
EXPOSE 8000
CMD ["gunicorn", "cityops.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
