# newscorpus image: the pinned install (same versions as `make install`), used by the compose
# stack both for the app (`newscorpus serve`) and for the Prefect server, so the server runs
# exactly the pinned prefect/fastapi pair from constraints.txt.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DO_NOT_TRACK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

WORKDIR /tmp/newscorpus-src
COPY . .
RUN pip install -c constraints.txt . \
    && rm -rf /tmp/newscorpus-src \
    && useradd --create-home --uid 1000 newscorpus

USER newscorpus
WORKDIR /home/newscorpus
ENV PREFECT_HOME=/home/newscorpus/.prefect

CMD ["newscorpus", "serve"]
