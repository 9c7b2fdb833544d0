# CPU image of the voice-agent server, installed exactly as on a machine: scripts/install.sh.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    # A portable llama.cpp build (x86-64-v3) rather than one tuned to the build host's CPU.
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"

WORKDIR /opt/voice-agent
COPY . .
RUN bash scripts/install.sh && rm -rf /root/.cache/pip

ENV VOICE_AGENT_HOST=0.0.0.0 \
    VOICE_AGENT_PORT=8765
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/healthz')"
CMD [".venv/bin/voice-agent", "serve"]
