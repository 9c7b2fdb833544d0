"""The direct model's parts, each against what it must equal: the streamed speech head
against the whole reply, the torch SmolLM2 against llama.cpp on the same GGUF, and the
voice's words and frames against the text."""

from __future__ import annotations

import numpy as np
import torch

from voice_agent.direct.speak import SpeechHead, SpeechHeadConfig, expand, frames_from_log
from voice_agent.direct.voice import SpeechStream


def test_streamed_voice_tokens_equal_the_whole_reply() -> None:
    torch.manual_seed(0)
    head = SpeechHead(SpeechHeadConfig(width=32, dilations=(1, 2, 4), codes=64)).eval()
    with torch.no_grad():
        head.durations.bias.fill_(2.5)  # ~11 frames a token, enough to cross the look-ahead
    hidden, embeds = torch.randn(9, 576), torch.randn(9, 576)
    stream = SpeechStream(head)
    streamed = [stream.push(h, e) for h, e in zip(hidden, embeds, strict=True)]
    streamed.append(stream.finish())
    with torch.no_grad():
        tokens = head.tokens(hidden[None], embeds[None])[0]
        counts = frames_from_log(head.log_frames(tokens))
        whole = head.frame_logits(expand(tokens, counts)[None])[0].argmax(-1).numpy()
    assert sum(len(part) for part in streamed[:-1]) > 0  # some came out before the end
    np.testing.assert_array_equal(np.concatenate(streamed), whole)
    assert stream.tokens_within(len(whole)) == 9  # every token is said by the end
    stream.reset()
    assert stream.state.hidden == [] and stream.state.emitted == 0


def test_torch_smollm_agrees_with_llama_cpp() -> None:
    from llama_cpp import Llama

    from voice_agent.direct.chat import ChatTokens, Message
    from voice_agent.direct.smollm import default_gguf, load_smollm

    chat = ChatTokens()
    ids = chat.conversation([Message("user", "What is the capital of France?")])
    llama = Llama(str(default_gguf()), n_ctx=256, logits_all=True, verbose=False, n_threads=2)
    llama.eval(ids)
    reference = np.asarray(llama.scores[: len(ids)])
    lm = load_smollm()
    with torch.no_grad():
        ours = lm.logits(lm(lm.embed_ids(torch.tensor([ids]))).hidden)[0].numpy()
    agree = (reference.argmax(-1) == ours.argmax(-1)).mean()
    assert agree >= 0.8, agree  # llama.cpp computes in quantised blocks; we dequantise
    assert int(ours[-1].argmax()) == int(reference[-1].argmax())


def test_voice_frames_line_up_with_the_tokens() -> None:
    from voice_agent.direct.alignment import spoken_tokens, word_frames
    from voice_agent.direct.chat import ChatTokens
    from voice_agent.voice_tokens.codebook import VoiceTokenizer, default_tokenizer_path
    from voice_agent.voice_tokens.halves import PiperHalves

    halves, chat = PiperHalves(), ChatTokens()
    tokenizer = VoiceTokenizer.load(default_tokenizer_path())
    text = "The capital of Scotland is Edinburgh. It is lovely!"
    ids = chat.ids(text)
    spoken = spoken_tokens(halves, tokenizer, text, [chat.piece(t) for t in ids])
    assert len(spoken.token_frames) == len(ids)
    assert spoken.token_frames.sum() == len(spoken.codes)
    pieces = [chat.piece(t).decode() for t in ids]
    # "Edinburgh" lasts longer than "is"
    assert (
        spoken.token_frames[pieces.index(" Edinburgh")] > spoken.token_frames[pieces.index(" is")]
    )
    # espeak says "206" as several words and "in the" as one: the frames still line up
    text = "People in the Netherlands have 206 bones."
    frames, _ = word_frames(halves, text)
    by_word = dict(zip(text.split(), frames, strict=True))
    assert by_word["206"] > 2 * by_word["have"] and by_word["the"] < by_word["Netherlands"]


def test_words_line_up_across_joins_and_splits() -> None:
    from voice_agent.direct.alignment import align_words

    # text: "in" "the" "Netherlands" "206"; voice: "ɪnðə" "nɛðɜːləndz" "tuːhʌndɹɪd" "sɪks"
    steps = align_words([2, 3, 11, 12], [4, 10, 10, 4])
    assert steps == [(0, 2, 0, 1), (2, 3, 1, 2), (3, 4, 2, 4)]
