"""A real headless Chromium with a fake microphone, talking to a real server.

The server runs in a network namespace of its own (only loopback), and Chromium is
started inside that same namespace through `nsenter`, so no WebRTC packet can leave the
machine. Playwright drives Chromium over a pipe, which crosses namespaces fine.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from tests.conftest import ARTIFACTS, ServerProcess, start_server
from tests.speech import speech_wav as spoken_wav
from voice_agent.evaluation import word_error_rate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FAKE_MIC_RATE = 48_000
CHROMIUM_FLAGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# What a listener would hear, measured apart from the page's own bookkeeping: every node
# connected to a speaker (WebSocket playback) and every source made of a received WebRTC
# track (which an <audio> element plays) is also fed to an analyser here; `window.__heardAt`
# gets a timestamp (performance.now()) for each 10 ms tick in which any of them is audible.
HEARING_PROBE = """
window.__heardAt = [];
const probes = [];
const probeContexts = new Map();
function probeIn(ctx) {
  if (!probeContexts.has(ctx)) {
    const analyser = ctx.createAnalyser();
    probes.push(analyser);
    probeContexts.set(ctx, analyser);
  }
  return probeContexts.get(ctx);
}
const connect = AudioNode.prototype.connect;
AudioNode.prototype.connect = function (target, ...rest) {
  if (target instanceof AudioDestinationNode) connect.call(this, probeIn(this.context));
  return connect.call(this, target, ...rest);
};
const remoteTracks = new WeakSet();
const addEventListener = RTCPeerConnection.prototype.addEventListener;
Object.defineProperty(RTCPeerConnection.prototype, "ontrack", {
  set(handler) {
    addEventListener.call(this, "track", (e) => remoteTracks.add(e.track));
    addEventListener.call(this, "track", handler);
  },
});
const createMediaStreamSource = AudioContext.prototype.createMediaStreamSource;
AudioContext.prototype.createMediaStreamSource = function (stream) {
  const source = createMediaStreamSource.call(this, stream);
  if (stream.getAudioTracks().some((t) => remoteTracks.has(t))) {
    connect.call(source, probeIn(this));  // received WebRTC audio (played by an element)
  }
  return source;
};
setInterval(() => {
  for (const analyser of probes) {
    const buffer = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(buffer);
    if (buffer.some((v) => Math.abs(v) >= 0.01)) {
      window.__heardAt.push(performance.now());
      return;
    }
  }
}, 10);
"""


# A microphone the test can speak into when it chooses, for what must follow an event (talking
# over a reply once it is heard) rather than a fixed offset in the fake-mic file: the page's
# getUserMedia stream becomes the fake mic (still through Chromium's echo canceller, noise
# suppressor and gain control) mixed in WebAudio with whatever `window.__say(base64 WAV)` plays.
# The page sends the mix as it would a microphone: a real track over WebRTC (Opus), its samples
# over the WebSocket. `__say` resolves once the audio has started, with when it starts and ends
# (page clock, ms).
TALK_OVER_MIC = """
const getUserMedia = MediaDevices.prototype.getUserMedia;
MediaDevices.prototype.getUserMedia = async function (constraints) {
  const stream = await getUserMedia.call(this, constraints);
  if (!constraints || !constraints.audio) return stream;
  const ctx = new AudioContext();
  const mixed = ctx.createMediaStreamDestination();
  ctx.createMediaStreamSource(stream).connect(mixed);
  window.__say = async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const buffer = await ctx.decodeAudioData(bytes.buffer);
    await ctx.resume();
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(mixed);
    const startedAt = performance.now();
    source.start();
    return { startedAt, endsAt: startedAt + buffer.duration * 1000 };
  };
  const track = mixed.stream.getAudioTracks()[0];
  const stop = track.stop.bind(track);
  track.stop = () => {  // hanging up closes the real microphone too
    stop();
    stream.getTracks().forEach((t) => t.stop());
    ctx.close();
  };
  return mixed.stream;
};
"""


def speech_wav(path: Path, *parts: str | float) -> Path:
    """A WAV for the fake mic (16-bit, absolute path): strings are spoken, floats silent."""
    return spoken_wav(path, *parts, rate=FAKE_MIC_RATE)[0]


# The browser path runs the fake mic through Chromium's echo canceller, noise suppressor and gain
# control, and over WebRTC through Opus; on a loaded 2-core machine that has cost a 5-word
# question two words ("What is not just planet?"). These tests check the speech gets through and
# is answered; ASR accuracy is the benchmark's business.
HEARD_WER = 0.4


def understood(expected: str, transcript: str) -> bool:
    return word_error_rate(expected, transcript) <= HEARD_WER


LONG_REPLIES = (
    "You are a friendly voice assistant who loves to talk. Answer every question with a long, "
    "detailed reply of several spoken sentences, in English, without lists or markdown."
)


# The shared browser server needs a key, so every page test also shows that the page takes
# one (from `#key=`) on both transports; the minimal page comes from file://, Origin `null`.
BROWSER_KEY = "browser-test-key"


def browser_server(
    name: str, *args: str, env: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    yield from start_server(
        name, "--ice-host-addresses", "127.0.0.1", *args, env=env, private_network=True
    )


@pytest.fixture(scope="session")
def rtc_server() -> Iterator[ServerProcess]:
    """The embedded cascade in a private network, for the browser tests. Its replies are told
    to be long, so that a reply is still playing when a test talks over it, however slowly a
    loaded machine starts it (the default asks for one short sentence)."""
    yield from browser_server(
        "browser",
        "--max-sessions",
        "4",
        "--instructions",
        LONG_REPLIES,
        "--allowed-origins",
        "null",
        env={"VOICE_AGENT_API_KEY": BROWSER_KEY},
    )


@pytest.fixture(scope="session")
def semantic_rtc_server() -> Iterator[ServerProcess]:
    """Like `rtc_server`, with semantic_vad for new sessions."""
    yield from browser_server("browser-semantic", "--turn-detection", "semantic_vad")


class BrowserPage:
    """One Chromium page on the server's `/`, with the fake mic playing `wav` once."""

    def __init__(self, page: Page, server: ServerProcess) -> None:
        self.page = page
        self.server = server
        self.console: list[str] = []
        page.on("console", lambda message: self.console.append(message.text))

    async def start(self, transport: str) -> None:
        # A key in the address is used only by a server that asks for one.
        await self.page.goto(f"{self.server.http_url}/?transport={transport}#key={BROWSER_KEY}")
        await self.page.click("#start")

    async def state(self) -> dict[str, Any]:
        return json.loads(
            await self.page.evaluate(
                """JSON.stringify({...voiceAgent, turns: voiceAgent.turns.map(
                     ({el, ...turn}) => turn)})"""
            )
        )

    async def wait_for(self, predicate: Any, timeout: float = 240.0) -> dict[str, Any]:
        """Poll the page's state until `predicate(state)` holds; `timeout` is only a hang
        guard (a loaded 2-core machine has taken over a minute to start a reply)."""
        deadline = time.monotonic() + timeout
        while True:
            state = await self.state()
            if predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"page never got there; state: {json.dumps(state)[:3000]}\n"
                    f"console: {self.console[-20:]}\nserver log: "
                    f"{self.server.log_path.read_text()[-2000:]}"
                )
            await self.page.wait_for_timeout(250)

    async def say(self, wav: Path) -> dict[str, float]:
        """Speak `wav` into the microphone now (a page opened with `talk_over`); when it
        starts and ends (page clock, ms)."""
        audio = base64.b64encode(wav.read_bytes()).decode()
        return await self.page.evaluate("(b64) => window.__say(b64)", audio)

    async def heard_at(self) -> list[float]:
        """When (page clock, ms) a listener could hear anything (see HEARING_PROBE)."""
        return await self.page.evaluate("window.__heardAt")

    async def now(self) -> float:
        return await self.page.evaluate("performance.now()")

    async def wait_until_silent(self, since: float, quiet_ms: float, timeout: float) -> float:
        """Wait until nothing has been heard for `quiet_ms` after `since` (page clock, ms);
        return the last time anything was heard."""
        deadline = time.monotonic() + timeout
        while True:
            now = await self.now()
            heard = [t for t in await self.heard_at() if t >= since]
            last = max(heard, default=since)
            if now - last >= quiet_ms:
                return last
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"still audible {(now - since) / 1000:.1f} s later; last heard at {last}"
                )
            await self.page.wait_for_timeout(100)

    async def bytes_received(self) -> int:
        """Reply audio that reached the page over WebRTC, from getStats()."""
        return await self.page.evaluate(
            """async () => {
                 const pc = [...(window.__pcs || [])][0];
                 if (!pc) return 0;
                 let total = 0;
                 (await pc.getStats()).forEach((r) => {
                   if (r.type === "inbound-rtp" && r.kind === "audio") total += r.bytesReceived;
                 });
                 return total;
               }"""
        )

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"browser-{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


@asynccontextmanager
async def open_page(
    server: ServerProcess, wav: Path | None, talk_over: bool = False
) -> AsyncIterator[BrowserPage]:
    """Chromium in the server's network namespace, its fake mic playing `wav` once; with
    `talk_over`, the test can also speak into the page's microphone (`BrowserPage.say`)."""
    with tempfile.TemporaryDirectory() as tmp:
        launcher = Path(tmp) / "chromium-in-netns"
        launcher.write_text(f'#!/bin/sh\nexec nsenter --net={server.netns_path} {CHROMIUM} "$@"\n')
        launcher.chmod(launcher.stat().st_mode | stat.S_IEXEC)
        flags = list(CHROMIUM_FLAGS)
        if wav is not None:
            flags.append(f"--use-file-for-fake-audio-capture={wav}%noloop")
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"),
                executable_path=str(launcher),
                headless=True,
                args=flags,
                viewport={"width": 900, "height": 700},
            )
            try:
                page = context.pages[0] if context.pages else await context.new_page()
                # Keep a handle on the page's peer connections for getStats().
                await page.add_init_script(
                    """window.__pcs = new Set();
                       const Original = window.RTCPeerConnection;
                       window.RTCPeerConnection = function (...args) {
                         const pc = new Original(...args); window.__pcs.add(pc); return pc; };
                       window.RTCPeerConnection.prototype = Original.prototype;"""
                )
                await page.add_init_script(HEARING_PROBE)
                if talk_over:
                    await page.add_init_script(TALK_OVER_MIC)
                yield BrowserPage(page, server)
            finally:
                await context.close()
