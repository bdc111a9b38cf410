# newscorpus image: the pinned install (same versions as `make install`), used by the compose
# stack both for the app (`newscorpus serve`) and for the Prefect server, so the server runs
# exactly the pinned prefect/fastapi pair from constraints.txt.
#
# Two stages: the install happens in `build`; the final image gets only the finished virtual
# environment (no source tree, no pip cache, no pip or setuptools in the environment), and runs
# as the unprivileged user `newscorpus`.
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
COPY . .
RUN python -m venv /opt/newscorpus \
    && /opt/newscorpus/bin/pip install -c constraints.txt ".[s3]" \
    && /opt/newscorpus/bin/pip uninstall --yes pip setuptools

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/newscorpus/bin:$PATH \
    DO_NOT_TRACK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

COPY --from=build /opt/newscorpus /opt/newscorpus
RUN useradd --create-home --uid 10001 --user-group newscorpus

USER newscorpus:newscorpus
WORKDIR /home/newscorpus
ENV PREFECT_HOME=/home/newscorpus/.prefect

CMD ["newscorpus", "serve"]
