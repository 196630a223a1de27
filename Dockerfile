# A Dataflow worker image with repairpack and its native wheels (pygit2, pyarrow, rensa, scancode)
# preinstalled, so workers start without building or downloading anything.
#
# The base image must match the Beam version and the Python minor version of the machine that
# launches the job; tests/test_dataflow.py checks BEAM_VERSION against the installed apache-beam.
#   docker build -t REGION-docker.pkg.dev/PROJECT/repairpack/worker:0.1.0 .
#   docker push REGION-docker.pkg.dev/PROJECT/repairpack/worker:0.1.0
# then run with --sdk_container_image=REGION-docker.pkg.dev/PROJECT/repairpack/worker:0.1.0
# (README, "Running on Dataflow").
ARG PYTHON_VERSION=3.11
ARG BEAM_VERSION=2.77.0
FROM apache/beam_python${PYTHON_VERSION}_sdk:${BEAM_VERSION}

# git: the clone fetcher and bundle inputs shell out to it for bundles. bubblewrap: the sandbox
# that runs judge submissions when judge.verify is on (docs/sandbox.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git bubblewrap \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/repairpack
COPY pyproject.toml setup.py README.md run_pipeline.py constraints.txt ./
COPY beam_jobs ./beam_jobs
COPY cli ./cli
COPY config ./config
COPY filters ./filters
COPY licenses ./licenses
COPY schemas ./schemas
# The licenses extra brings scancode (the default detector), the tokens extra the tokenizer of the
# token budgets; the gcp extra is already in the base image.
RUN pip install --no-cache-dir -c constraints.txt ".[licenses,tokens]" \
    && python -c "import pygit2, pyarrow, rensa, langdetect, beam_jobs.pipeline; print('repairpack worker ok')"

# The base image's entry point (/opt/apache/beam/boot) stays: Dataflow starts the SDK harness with it.
