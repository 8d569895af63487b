#!/usr/bin/env python3
"""Generate a monorepo of FILES files for benchmarks: projects of a compose
file, a Dockerfile, a .env, an env_file, a .dockerignore, a settings module,
and ordinary source files around them (which a linter must walk past).

usage: gen-monorepo.py OUT_DIR [FILES=10000]
"""
import os
import random
import sys

out = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
rng = random.Random(42)  # same tree on every run

COMPOSE = """services:
  app:
    build:
      context: .
      target: runtime
    env_file: [app.env]
    environment:
      - DATABASE_URL=postgresql://${{POSTGRES_USER:-app}}:${{POSTGRES_PASSWORD}}@db:5432/${{POSTGRES_DB:-app}}
      - REDIS_URL=redis://redis:6379/{n}
      - SECRET_KEY=${{SECRET_KEY:?SECRET_KEY is required}}
      - DEBUG={debug}
    depends_on:
      db:
        condition: service_healthy
    ports:
      - "{port}:8000"
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD}}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
  redis:
    image: redis:7-alpine
"""

DOCKERFILE = """FROM python:3.12-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM python:3.12-slim AS runtime
COPY --from=builder /usr/local /usr/local
WORKDIR /app
COPY . .
USER 1000
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

SETTINGS = """from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    DATABASE_URL: str = "sqlite:///./app.db"
    REDIS_URL: str = "redis://localhost:6379/0"
    SECRET_KEY: str = "changeme"
    DEBUG: bool = False
"""

PER_PROJECT = 20  # 6 linted files + 14 ordinary ones
projects = max(1, files // PER_PROJECT)
written = 0
for i in range(projects):
    d = os.path.join(out, f"svc{i // 100:02d}", f"project{i:04d}")
    os.makedirs(os.path.join(d, "app", "core"), exist_ok=True)
    os.makedirs(os.path.join(d, "src"), exist_ok=True)

    def w(rel, text):
        global written
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
        written += 1

    w("compose.yaml", COMPOSE.format(n=i % 16, debug=rng.choice(["False", "True"]), port=8000 + i))
    w("Dockerfile", DOCKERFILE)
    w(".env", f"POSTGRES_USER=u{i}\nPOSTGRES_PASSWORD=p{i}-{rng.randrange(10**9)}\nSECRET_KEY=s{rng.randrange(10**12)}\n")
    w("app.env", f"LOG_LEVEL={rng.choice(['info', 'debug'])}\nWORKERS={rng.randrange(1, 9)}\n")
    w(".dockerignore", ".env\n.git\n__pycache__\n")
    w("app/core/config.py", SETTINGS)
    w("requirements.txt", "fastapi\nuvicorn\npydantic-settings\n")
    w("README.md", f"# project {i}\n")
    w("app/__init__.py", "")
    w("app/main.py", "from fastapi import FastAPI\napp = FastAPI()\n")
    for k in range(PER_PROJECT - 10):
        w(f"src/module{k}.py", f"def f{k}():\n    return {k}\n")
print(f"{written} files in {projects} projects under {out}")
