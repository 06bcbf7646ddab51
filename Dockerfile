# Image for "add a custom connector" in the Airbyte UI (docs/openai.md, "Airbyte Open Source: add the connector").
# The base image must match metadata.yaml's connectorBuildOptions.baseImage (Python 3.11, /airbyte/integration_code);
# unit_tests/runtimes/test_docker.py checks that, and runs the entrypoint from a copy of exactly the files copied here.
#   docker build -t <registry>/source-openai-org:0.3.2 .
FROM docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73

WORKDIR /airbyte/integration_code
COPY pyproject.toml README.md LICENSE main.py ./
COPY source_openai ./source_openai
RUN pip install --no-cache-dir .

ENV AIRBYTE_ENTRYPOINT="python /airbyte/integration_code/main.py"
ENTRYPOINT ["python", "/airbyte/integration_code/main.py"]

LABEL io.airbyte.name=community/source-openai-org
LABEL io.airbyte.version=0.3.2
