"""The benchmark's user requests: written here, spoken by `corpus.py`.

Kinds cover what people say to a voice assistant: questions, commands, chit-chat, one-word
answers and long rambles. Templates multiply a few patterns over word lists; every text is
plain English that a TTS voice can say and a listener can write down exactly. Extend the
lists and rebuild the corpus (`voice-agent corpus`).
"""

from __future__ import annotations

_COUNTRIES = [
    "France",
    "Japan",
    "Brazil",
    "Canada",
    "Egypt",
    "Kenya",
    "Norway",
    "Peru",
    "India",
    "Spain",
    "Mexico",
    "Italy",
    "Greece",
    "Chile",
    "Poland",
    "Ireland",
    "Vietnam",
    "Turkey",
]
_CITIES = [
    "Paris",
    "Tokyo",
    "London",
    "Chicago",
    "Madrid",
    "Berlin",
    "Sydney",
    "Toronto",
    "Rome",
    "Boston",
    "Denver",
    "Lisbon",
    "Dublin",
    "Seattle",
    "Vienna",
    "Prague",
]
_HOW_TO = [
    "boil an egg",
    "tie a tie",
    "change a flat tire",
    "make a paper plane",
    "plant tomatoes",
    "clean a cast iron pan",
    "learn to juggle",
    "write a thank you note",
    "fall asleep faster",
    "save money on groceries",
    "start running",
    "fix a squeaky door",
    "make pancakes",
    "remove a coffee stain",
    "keep basil alive",
]
_WHY = [
    "is the sky blue",
    "do cats purr",
    "do leaves change color",
    "is the sea salty",
    "do we yawn",
    "do onions make you cry",
    "is ice slippery",
    "do birds migrate",
    "does bread go stale",
    "do stars twinkle",
    "do we dream",
    "is the moon bright",
]
_FACTS = [
    "How far away is the moon?",
    "How many legs does a spider have?",
    "What is the largest planet in our solar system?",
    "Who wrote Romeo and Juliet?",
    "What is the boiling point of water?",
    "How many days are in a leap year?",
    "What is the tallest mountain in the world?",
    "What do bees make?",
    "How many continents are there?",
    "What is the fastest land animal?",
    "What language do people speak in Brazil?",
    "What is the opposite of hot?",
    "How many minutes are in an hour?",
    "What color do you get by mixing blue and yellow?",
    "Who painted the Mona Lisa?",
    "What is the smallest prime number?",
    "Which ocean is the biggest?",
    "What is the main ingredient of guacamole?",
]
_TIMERS = [3, 5, 10, 15, 20, 25, 30, 45]
_LANGUAGES = ["French", "Spanish", "German", "Italian", "Japanese", "Portuguese", "Dutch", "Greek"]
_SUMS = [(2, 3), (7, 8), (12, 15), (20, 22), (9, 6), (14, 11), (30, 45), (100, 250)]
_MILES = [1, 3, 5, 10, 26, 100]
_COMMANDS = [
    "Turn off the lights in the kitchen.",
    "Play some relaxing music.",
    "Remind me to call my mother tomorrow.",
    "Add milk and eggs to my shopping list.",
    "Read me the news.",
    "Tell me a joke.",
    "Tell me a short story.",
    "Wake me up at seven in the morning.",
    "Turn the volume down a little.",
    "Spell the word necessary.",
    "Translate thank you into Spanish.",
    "Give me a random number between one and ten.",
    "Count to five.",
    "Describe a sunset in one sentence.",
    "Suggest a name for my new puppy.",
    "Recommend a good book for the weekend.",
    "Give me a quick dinner idea.",
    "Help me plan a picnic.",
    "Stop.",
    "Repeat that please.",
    "Say that again slowly.",
    "Cancel my alarm.",
    "Make a note that the meeting moved to Friday.",
    "Give me three tips for a job interview.",
    "Tell me something interesting.",
]
_CHITCHAT = [
    "Hi there, how are you doing today?",
    "Good morning!",
    "I am feeling a bit tired today.",
    "What do you like to do for fun?",
    "I just got back from a long walk.",
    "Do you have a favorite color?",
    "It is raining again here.",
    "I finally finished my project at work.",
    "Thanks, that was really helpful.",
    "You are pretty funny.",
    "I am cooking pasta tonight.",
    "My cat keeps sitting on my keyboard.",
    "I cannot decide what to watch tonight.",
    "Guess what, I passed my driving test!",
    "I think I need a vacation.",
    "Have a nice evening.",
    "What should we talk about?",
    "I love the smell of fresh coffee.",
    "It has been a long week.",
    "Tell me about yourself.",
]
_ONE_WORD = [
    "Yes.",
    "No.",
    "Okay.",
    "Thanks.",
    "Sure.",
    "Hello.",
    "Goodbye.",
    "Maybe.",
    "Why?",
    "Really?",
    "Great.",
    "Pizza.",
    "Seven.",
    "Tomorrow.",
    "Music.",
    "Please.",
    "Wait.",
    "Continue.",
    "Paris.",
    "Coffee.",
]
_RAMBLES = [
    "So I was thinking about taking a trip next month, maybe somewhere warm with a beach, "
    "but I am not sure if I can afford it, what would you suggest?",
    "My neighbor keeps parking in front of my driveway and I do not want to start a fight, "
    "but it is getting really annoying, how should I bring it up with him?",
    "I have been trying to learn the guitar for a few weeks now and my fingers hurt a lot, "
    "is that normal and will it get better if I keep practicing?",
    "We are having friends over on Saturday and one of them is vegetarian and another one "
    "does not eat gluten, can you think of a dinner that works for everyone?",
    "I keep waking up at three in the morning and then I cannot fall back asleep, "
    "I have tried reading and warm milk but nothing really works, any ideas?",
    "My daughter asked me why the moon changes shape every night and I realized "
    "I do not actually know how to explain it simply, can you help me?",
    "I want to start exercising again after a long break but I always lose motivation "
    "after a week or two, how can I make it stick this time?",
    "The printer at work jams every single morning and nobody knows why, "
    "we have tried different paper and cleaning it, what else could be wrong?",
    "I am writing a birthday card for my grandfather who is turning ninety "
    "and I want it to be warm but not too sentimental, what could I write?",
    "I have two job offers, one pays more but the other is closer to home "
    "and has nicer people, how do I decide between them?",
    "Every time I try to bake bread it comes out dense and flat, I follow the recipe "
    "exactly, so what am I probably doing wrong?",
    "I want to get my kids to read more instead of watching videos all day, "
    "but I do not want to force them, do you have any gentle ideas?",
]


def all_prompts() -> list[tuple[str, str]]:
    """(kind, text) pairs, in a fixed order, without duplicates."""
    prompts: list[tuple[str, str]] = []
    prompts += [("question", f"What is the capital of {c}?") for c in _COUNTRIES]
    prompts += [("question", f"What is the weather like in {c} today?") for c in _CITIES]
    prompts += [("question", f"What time is it in {c} right now?") for c in _CITIES[:8]]
    prompts += [("question", f"How do I {task}?") for task in _HOW_TO]
    prompts += [("question", f"Why {why}?") for why in _WHY]
    prompts += [("question", fact) for fact in _FACTS]
    prompts += [("question", f"How do you say hello in {lang}?") for lang in _LANGUAGES]
    prompts += [("question", f"What is {a} plus {b}?") for a, b in _SUMS]
    prompts += [("command", f"Set a timer for {n} minutes.") for n in _TIMERS]
    prompts += [("command", f"Convert {n} miles to kilometers.") for n in _MILES]
    prompts += [("command", command) for command in _COMMANDS]
    prompts += [("command", f"Find me a good restaurant in {c}.") for c in _CITIES[:10]]
    prompts += [("chitchat", text) for text in _CHITCHAT]
    prompts += [("one_word", text) for text in _ONE_WORD]
    prompts += [("ramble", text) for text in _RAMBLES]
    first_kind: dict[str, str] = {}  # each text once, in order of first appearance
    for kind, text in prompts:
        first_kind.setdefault(text, kind)
    return [(kind, text) for text, kind in first_kind.items()]


# Short interjections for barge-in turns: spoken over the assistant's reply.
INTERRUPTIONS = [
    "Wait, stop for a second.",
    "Hold on, never mind that.",
    "Sorry, can I ask something else?",
    "Okay, that is enough, thanks.",
    "Actually, tell me the time instead.",
    "Stop, what about tomorrow?",
]


# Turns with a natural pause in the middle, as (before the pause, after it): a list, a
# hesitation, a clause and a search for the next word. A reply that starts at the pause
# cuts the speaker off (the benchmark's pauses corpus, for semantic_vad).
PAUSED = [
    ("My favourite colours are red, green, and", "blue. What are yours?"),
    ("I'd like to book a table for, um,", "four people tonight, please."),
    ("Can you tell me, uh,", "what the weather is like in Paris?"),
    ("So I was thinking that", "maybe you could tell me a joke?"),
    ("I need to buy eggs, milk, and", "bread. Where is the nearest shop?"),
    ("What is the capital of, um,", "Australia?"),
    ("Set a timer for", "twenty minutes, please."),
    ("I want to learn to cook, but", "I never know where to start. Any tips?"),
    ("My sister lives in, uh,", "Toronto. What is it like there in winter?"),
    ("Could you remind me to call", "my mother tomorrow morning?"),
    ("The thing is, um,", "I keep forgetting people's names. How can I remember them?"),
    ("How many, uh,", "minutes are there in a day?"),
    ("For dinner we have pasta, salad, and", "some bread. What wine goes with that?"),
    ("If I leave at eight, and the drive is", "three hours, when do I arrive?"),
    ("Tell me about, um,", "the history of the Roman Empire."),
    ("I was wondering whether", "you could recommend a good book."),
]
