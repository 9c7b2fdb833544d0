# CPU image of the voice-agent server, installed exactly as on a machine: scripts/install.sh.
FROM python:3.11-slim-bookworm

# scripts/install.sh builds llama.cpp portably (x86-64-v3), not tuned to the build host's CPU.
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1

WORKDIR /opt/voice-agent
COPY . .
RUN bash scripts/install.sh && rm -rf /root/.cache/pip

ENV VOICE_AGENT_HOST=0.0.0.0 \
    VOICE_AGENT_PORT=8765
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/healthz')"
CMD [".venv/bin/voice-agent", "serve"]
