"""The direct model's parts, each against what it must equal: the streamed speech head
against the whole reply, llama.cpp (serving) against the torch SmolLM2 (training) on the
same GGUF, the voice's phoneme positions (the speech head's targets) against Whisper's
ears, and the shipped model's hearing and speaking."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch

from voice_agent.direct.chat import ChatTokens, Message
from voice_agent.direct.features import SpokenVoice, is_held_out
from voice_agent.direct.hear import CTC_BLANK, read_ctc
from voice_agent.direct.model import DirectModel, Sampling
from voice_agent.direct.pronounce import split_words, word_spans
from voice_agent.direct.speak import SpeechHead, SpeechHeadConfig, frames_from_log, word_inputs
from voice_agent.direct.voice import SpeechStream
from voice_agent.evaluation import word_error_rate


@pytest.fixture(scope="module")
def voice() -> SpokenVoice:
    return SpokenVoice()


@pytest.fixture(scope="module")
def shipped() -> DirectModel:
    return DirectModel(threads=2)


def test_streamed_voice_tokens_equal_the_whole_reply(voice: SpokenVoice) -> None:
    torch.manual_seed(0)
    config = SpeechHeadConfig(width=32, codes=64, symbols=voice.pronouncer.symbols)
    head = SpeechHead(config).eval()
    with torch.no_grad():
        head.durations.bias.fill_(1.0)  # ~2 frames a position
    chat = ChatTokens()
    text = "Sure! The café in Paris opens at 9, and it's lovely."
    ids = chat.ids(text)
    pieces = [chat.piece(t) for t in ids]
    hidden, embeds = torch.randn(len(ids), 576), torch.randn(len(ids), 576)
    stream = SpeechStream(head, voice.pronouncer)
    streamed = [stream.push(p, h, e) for p, h, e in zip(pieces, hidden, embeds, strict=True)]
    streamed.append(stream.finish())
    words = split_words(text)
    with torch.no_grad():
        pronounced = voice.pronouncer.positions(words)
        last, mean = word_inputs(hidden, embeds, word_spans(pieces))
        vectors = head.words(last, mean)[torch.from_numpy(pronounced.owner)]
        logits, log_frames = head(torch.from_numpy(pronounced.phonemes)[None], vectors[None])
        whole = logits[0].argmax(-1).repeat_interleave(frames_from_log(log_frames[0])).numpy()
    assert sum(len(part) for part in streamed[:-1]) > 0  # some came out before the end
    np.testing.assert_array_equal(np.concatenate(streamed), whole)
    assert stream.state.words == words
    assert stream.words_within(len(whole)) == len(words)  # every word is said by the end
    assert 0 < stream.words_within(len(whole) // 2) < len(words)
    stream.reset()
    assert stream.state.pieces == [] and stream.state.emitted == 0


def test_llama_cpp_serves_the_torch_smollm_it_was_trained_on() -> None:
    """Serving runs the LLM in llama.cpp, training in torch: the same GGUF must give the same
    hidden states (what the speech head reads) and the same next tokens; speech enters as
    input embeddings; a sequence's cached prefix changes nothing."""
    from voice_agent.direct.chat import Message
    from voice_agent.direct.llama_lm import LlamaSequence
    from voice_agent.direct.smollm import default_gguf, load_smollm

    chat = ChatTokens()
    question = chat.conversation([Message("user", "What is the capital of France?")])
    ids = chat.system("You are a helpful assistant.") + question
    lm = load_smollm()
    with torch.no_grad():
        hidden = lm(lm.embed_ids(torch.tensor([ids]))).hidden[0]
        ours = lm.logits(hidden[-1]).numpy()
    last = hidden[-1].numpy()
    sequence = LlamaSequence(default_gguf(), threads=2, context=256)
    step = sequence.read(ids)
    cosine = np.dot(step.hidden, last) / np.linalg.norm(step.hidden) / np.linalg.norm(last)
    assert cosine > 0.99, cosine  # llama.cpp quantises activations in blocks; we dequantise
    assert int(step.logits.argmax()) == int(ours.argmax())
    # The common prefix is reused: a second question after the first answer's start.
    follow = ids + chat.ids("Paris.") + chat.conversation([Message("user", "And Spain?")])
    reused = sequence.read(follow)
    assert len(sequence) == len(follow)
    fresh = LlamaSequence(default_gguf(), threads=2, context=256).read(follow)
    # Equal up to llama.cpp's batch-size-dependent rounding (0.9994 measured; a context
    # one word different correlates at 0.97).
    assert np.corrcoef(reused.logits, fresh.logits)[0, 1] > 0.998
    # The same tokens given as embeddings (as the adapted speech is) read alike.
    sequence.read(ids[: -len(question)])
    embedded = sequence.extend_embeddings(lm.embed_ids(torch.tensor(question)).numpy())
    assert int(embedded.logits.argmax()) == int(step.logits.argmax())
    assert np.corrcoef(embedded.hidden, step.hidden)[0, 1] > 0.998
    sequence.close()


def test_a_draft_changes_how_fast_greedy_decoding_reads_not_what() -> None:
    """Hearing checks its CTC reading as a draft of the LLM's greedy one: right, wrong,
    shifted or empty, the draft must leave the words and the cached positions as they were."""
    from voice_agent.direct.chat import Message
    from voice_agent.direct.llama_lm import LlamaSequence, greedy_with_draft
    from voice_agent.direct.smollm import default_gguf

    chat = ChatTokens()
    prompt = chat.system("Repeat what the user said.") + chat.conversation(
        [Message("user", "The quick brown fox jumps over the lazy dog near the river bank.")]
    )
    sequence = LlamaSequence(default_gguf(), threads=2, context=256)
    step, expected = sequence.read(prompt), []
    while len(expected) < 24 and (token := int(step.logits.argmax())) != chat.end:
        expected.append(token)
        step = sequence.extend([token])
    assert len(expected) >= 8
    drafts = {
        "right": expected,
        "empty": [],
        "one wrong": [*expected[:4], 1234, *expected[5:]],
        "one extra": [*expected[:3], 999, *expected[3:]],
        "one missing": [*expected[:6], *expected[7:]],
        "unrelated": chat.ids(" Completely different words entirely, nothing alike at all."),
    }
    for name, draft in drafts.items():
        step = sequence.read(prompt)
        assert greedy_with_draft(sequence, step, draft, chat.end, 24) == expected, name
        assert len(sequence) == len(prompt) + len(expected), name
    sequence.close()


def test_the_voice_says_a_reply_from_its_word_by_word_positions(voice: SpokenVoice) -> None:
    """The speech head's targets: every word phonemized on its own, through the voice's
    text encoder into voice tokens, decode into speech Whisper understands."""
    from voice_agent.models.asr import ASRConfig, WhisperASR
    from voice_agent.voice_tokens.streaming import StreamingDecoder

    text = "People in the Netherlands have 206 bones, **really**! What's up? 😀"
    words = split_words(text)
    spoken = voice(words)
    owner = spoken.pronounced.owner
    assert owner[0] == 0 and owner[-1] == len(words) - 1 and (np.diff(owner) >= 0).all()
    assert ((spoken.codes == -100) == (spoken.durations == 0)).all()
    frames = np.repeat(np.maximum(spoken.codes, 0), spoken.durations)
    decoder = StreamingDecoder(voice.halves, voice.tokenizer)
    audio = np.concatenate([decoder.push(frames[:, None]), decoder.flush()])
    audio16k = scipy.signal.resample_poly(audio, 16_000, voice.halves.sample_rate)
    heard = WhisperASR(ASRConfig()).transcribe_blocking(audio16k.astype(np.float32))
    assert (
        word_error_rate("People in the Netherlands have 206 bones, really! What's up?", heard) < 0.2
    ), heard


def test_words_are_split_at_ascii_spaces_in_bytes_and_text() -> None:
    pieces = ["Voil", "à", " caf", "é", "\u00a0ok", " ", "…", "\n\n", "Bye"]
    assert word_spans([p.encode() for p in pieces]) == [(0, 1), (2, 4), (6, 6), (8, 8)]
    assert split_words("".join(pieces)) == ["Voilà", "café\u00a0ok", "…", "Bye"]


def test_varied_prompts_swap_some_words_and_keep_the_sentence_shape() -> None:
    from voice_agent.direct.extra import vary, vocabulary
    from voice_agent.direct.features import is_held_out
    from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts

    words = vocabulary(ChatTokens())
    assert len(words) > 5_000 and all(w.isalpha() and w.islower() for w in words)
    rng = np.random.default_rng(0)
    prompt = "Hey, how long do oranges last in the fridge?"
    varied = [vary(prompt, words, rng) for _ in range(20)]
    assert len(set(varied)) == 20  # a new sentence each time...
    for text in varied:  # ...with the prompt's shape: as many words, the same punctuation
        assert len(text.split()) == len(prompt.split()) and text[-1] == "?"
        assert text.split()[0].endswith(",") and text[0].isupper()
        assert 0 < word_error_rate(prompt, text) < 1
    trainable = [p.text for p in load_prompts(bundled_prompts_path()) if not is_held_out(p.text)]
    spoken = {w.strip("?.,!").lower() for text in trainable[:50] for w in text.split()}
    assert {w for w in spoken if w.isalpha()} <= set(words)


def test_short_utterances_are_one_to_four_real_words_punctuated() -> None:
    from voice_agent.direct.extra import CONVERSATIONAL, prompt_words, short_utterance

    words = sorted(prompt_words())
    assert "Paris" in words and "paris" not in words and "oranges" in words
    rng = np.random.default_rng(0)
    said = [short_utterance(words, rng) for _ in range(400)]
    assert len(set(said)) > 300
    allowed = set(words) | set(CONVERSATIONAL)
    for text in said:
        assert text[0].isupper() and text[-1] in ".?!"
        cores = [w.strip(".?!,") for w in text.split()]
        assert 1 <= len(cores) <= 4
        assert {cores[0], cores[0].lower()} & allowed and set(cores[1:]) <= allowed
    counts = [len(text.split()) for text in said]
    assert all(counts.count(n) > 50 for n in (1, 2, 3, 4))


def test_a_reply_s_audio_holds_every_frame_its_speech_head_spoke(shipped: DirectModel) -> None:
    """The last words' codes come out when the reply ends; their audio must be heard too."""
    from voice_agent.direct.model import Sampling
    from voice_agent.engines.base import Message

    model = shipped
    question = [Message("user", "Name three colors of the rainbow.")]
    pieces = list(model.reply(model.instructions, question, Sampling(max_tokens=30)))
    audio = np.concatenate([piece.audio for piece in pieces])
    state = model.speech.state
    assert state.finished and len(state.words) >= 3
    assert len(audio) == state.ends[-1] * model.halves.hop
    assert " ".join(p.text for p in pieces if p.text).split() == state.words


def test_ctc_reading_merges_repeats_and_drops_blanks() -> None:
    vocabulary = torch.randn(12, 16, generator=torch.Generator().manual_seed(0))
    said = [3, 3, CTC_BLANK, 3, 7, 7, 7, CTC_BLANK, CTC_BLANK, 5]
    speech = 2.5 * vocabulary[said]  # only the direction counts, not the length
    assert read_ctc(speech, vocabulary, vocabulary.norm(dim=-1)) == [3, 3, 7, 5]


def test_the_shipped_model_hears_a_held_out_prompt_in_a_held_out_voice(
    shipped: DirectModel,
) -> None:
    from voice_agent.audio import resample
    from voice_agent.direct.evaluate import EVAL_VOICES, as_served_turn
    from voice_agent.models.voices import speak

    prompt = "What was life like during the Roman Empire?"
    assert is_held_out(prompt)
    audio, rate = speak(prompt, EVAL_VOICES[1])
    heard = shipped.hear(as_served_turn(resample(audio, rate, 16_000)))
    assert word_error_rate(prompt, heard) <= 0.25, heard


def test_conversational_prompts_are_the_bench_s_that_training_cannot_have_seen() -> None:
    from voice_agent.bench.prompts import INTERRUPTIONS, all_prompts
    from voice_agent.direct.evaluate import conversational_prompts
    from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts

    bench = [text for _, text in all_prompts()] + list(INTERRUPTIONS)
    trainable = {p.text for p in load_prompts(bundled_prompts_path()) if not is_held_out(p.text)}
    every = conversational_prompts(len(bench), seed=0)
    assert every and set(every) == {text for text in bench if text not in trainable}
    assert "Maybe." in every and INTERRUPTIONS[0] in every
    assert conversational_prompts(10, seed=0) == every[:10]
    assert conversational_prompts(10, seed=1) != every[:10]


def test_the_ctc_reading_writes_a_turn_s_first_word_as_inside_a_sentence() -> None:
    from voice_agent.direct.hear import ctc_form, sentence_case

    assert ctc_form("Coffee.") == " coffee."
    assert ctc_form("What's up?") == " what's up?"
    assert ctc_form("A cat, please.") == " a cat, please."
    assert ctc_form("I think so.") == " I think so."
    assert ctc_form("NASA launched it.") == " NASA launched it."
    chat = ChatTokens()
    # The first word is the token it is inside a sentence, not one of its own.
    assert chat.ids(ctc_form("Coffee."))[0] == chat.ids("More coffee.")[1]
    for said in ("Coffee.", "What's up?", "I think so.", "NASA launched it."):
        assert sentence_case(chat.text(chat.ids(ctc_form(said)))) == said


def test_training_placement_takes_its_share_and_refuses_devices_it_lacks() -> None:
    from voice_agent.direct.placement import Placement, place

    assert place("cpu") == Placement(torch.device("cpu"))  # one process, no torchrun
    assert Placement(torch.device("cpu"), rank=1, world=2).share([0, 1, 2, 3, 4]) == [1, 3]
    with pytest.raises(ValueError, match="unknown device"):
        place("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA device"):
            place("cuda")


def test_a_conversation_longer_than_the_context_drops_its_oldest_turns(
    shipped: DirectModel,
) -> None:
    question = "Can you tell me something interesting about the history of the city of Rome? "
    answer = "Rome was founded, legend says, by Romulus, and it grew into a great empire. " * 2
    history = [
        Message(role, text)
        for _ in range(45)  # ~33 tokens a message: more than the 2048 positions of the context
        for role, text in (("user", question), ("assistant", answer))
    ] + [Message("user", "And what about Paris?")]
    assert len(shipped.chat.conversation(history)) > shipped.talking.context
    pieces = list(shipped.reply(shipped.instructions, history, Sampling(max_tokens=8)))
    assert "".join(piece.text for piece in pieces).strip()
    assert sum(len(piece.audio) for piece in pieces) > 0


@pytest.mark.parametrize(
    ("probabilities", "allowed"),
    [
        ([0.5, 0.2, 0.2, 0.06, 0.04], {0, 1, 2, 3}),  # top-p: 0.96 is reached before the last
        ([0.4, 0.3, 0.2, *[0.015] * 4, *[0.01] * 3], {0, 1, 2}),  # min-p: < 0.05 x 0.4
    ],
)
def test_sampling_draws_only_what_top_p_and_min_p_allow_as_the_cascade(
    probabilities: list[float], allowed: set[int]
) -> None:
    from voice_agent.direct.model import _next

    logits = torch.tensor(probabilities).log()
    sampling = Sampling(temperature=1.5, repeat_penalty=1.0, top_k=len(probabilities))
    generator = torch.Generator().manual_seed(0)
    drawn = {_next(logits.clone(), [], sampling, generator) for _ in range(500)}
    assert drawn == allowed


def test_the_direct_model_answers_a_heard_text_with_the_cascade_s_words(
    shipped: DirectModel,
) -> None:
    """Thinking is the cascade's LLM with the cascade's greedy settings, so the same text1
    gets the same answer. The repeat penalty sees only the reply, as llama-cpp-python's
    sampler does; penalising the question's words too changed all four of these answers."""
    import asyncio

    from voice_agent.config import ServerConfig
    from voice_agent.engines.cascade import build_llm
    from voice_agent.engines.prompting import reply_text

    async def cascade_answers(texts: tuple[str, ...]) -> list[str]:
        llm = build_llm(ServerConfig(llm_threads=2))
        try:
            return [
                "".join(
                    [
                        delta
                        async for delta in reply_text(
                            llm, shipped.instructions, (Message("user", text),), 0.0, None, False
                        )
                    ]
                )
                for text in texts
            ]
        finally:
            await llm.close()

    questions = (
        "Hey, are you mad?",
        "My favorite month is February.",
        "Tell the word exhausted for me.",
        "Who was the first person to welcome the moon?",
    )
    same = 0
    for text, cascade in zip(questions, asyncio.run(cascade_answers(questions)), strict=True):
        pieces = shipped.reply(shipped.instructions, [Message("user", text)], Sampling())
        direct = " ".join(piece.text for piece in pieces if piece.text)
        same += direct.split() == cascade.split()
    # Batched and one-at-a-time llama.cpp passes may round apart on one of them.
    assert same >= 3, f"{same} of {len(questions)} answers were the cascade's"
