# The coach's image for docker-compose.yml: the code, its dependencies (CPU-only torch) and the embedding model.
FROM python:3.11-slim
# libgomp1: LightGBM's OpenMP runtime
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY bot bot
COPY coach coach
COPY analytics analytics
COPY storage storage
COPY connectors connectors
COPY prompts prompts
RUN pip install --no-cache-dir .
ENV COACH_DATA_DIR=/data HF_HUB_OFFLINE=1
EXPOSE 8000 8025
CMD ["sh", "-c", "coach db upgrade && coach serve --host 0.0.0.0 --port 8000"]
