"""One-turn requests and small talk for the bundled distillation prompts (data only), in
the families format of `prompt_templates`."""

from __future__ import annotations

from voice_agent.distill.prompt_words import groups

# No requests in or about other languages' words: the assistant's voice and ASR are
# English only, and would garble them.
REQUESTS = groups(
    """
    [jokes]
    Tell me a joke about {joke_topic}.
    Tell me a joke about {animals}.
    Tell me a joke about {jobs}.
    Do you know any good jokes about {joke_topic}?
    Make me laugh. Tell me something funny about {animals}.
    I need a clean joke about {joke_topic} for my {kid}.
    Can you tell me a pun about {food}?
    Tell me a silly joke about {jobs}.
    Tell me a knock knock joke about {joke_topic}.
    [tips]
    Give me a tip for {tip_topic}.
    Do you have any advice for {tip_topic}?
    What's your best tip for {tip_topic}?
    Give me three quick tips for {tip_topic}.
    I need some help with {tip_topic}. Any ideas?
    How can I get better at {hobby}?
    I want to start {hobby}. Where should I begin?
    Give me one small habit that helps with {tip_topic}.
    [cooking]
    How do I cook {cookable}?
    How long should I cook {cookable}?
    Give me a simple recipe for {dish}.
    How do I make {dish}?
    What can I cook with {ingredient} and {ingredient2}?
    Suggest a quick dinner with {ingredient}.
    I have {ingredient}, {ingredient2}, and {ingredient3}. What can I make?
    Suggest a {meal} I can make in {minutes} minutes.
    Give me an idea for a healthy {meal}.
    Walk me through making {dish}, step by step.
    [names]
    Suggest a name for my {nameable}.
    Can you think of a fun name for my new {pet}?
    I need a name for my {nameable}. Any ideas?
    What should I call my new {pet}? It's very {pet_trait}.
    Give me three name ideas for my {nameable}.
    Suggest a name for a {pet_trait} {pet}.
    Help me come up with a name for my {nameable}.
    My new {pet} is really {pet_trait}. What should I name it?
    [poems]
    Write a short poem about {poem_topic}.
    Can you make up a little rhyme about {poem_topic}?
    Give me a haiku about {poem_topic}.
    Write four lines about {poem_topic}.
    Make up a short song about {poem_topic}.
    Write a poem about {poem_topic} for {relation}.
    Write a funny poem about {animals}.
    Can you write a limerick about {an_animal}?
    Write a short birthday poem for {relation}.
    [plans]
    Help me plan my {weekday}. I need to {task} and {task2}.
    Plan my day for me. I have to {task}, {task2}, and {task3}.
    Plan a fun day in {city} for me.
    Help me plan {occasion}.
    Make me a simple plan for this {part_of_day}.
    I have a free {part_of_day} on {weekday}. What should I do?
    Plan a {num} day trip to {city} for me.
    Help me plan my week. I want to make time for {hobby}.
    Plan my morning. I have to {task} before nine.
    I need to {task}, {task2}, and {task3} today. What order should I do them in?
    [stories]
    Tell me a short story about a {adjective} {creature}.
    Tell me a bedtime story about a {creature} who wants to {dream}.
    Tell me a story about {relation} and a {creature}.
    Make up a story about a {creature} in {city}.
    Tell me a short story about {a_job} who finds a {creature}.
    Tell me a story about a {adjective} {creature} who loves {hobby}.
    [explain]
    Explain {concept} like I'm five.
    Explain how {device} works in two sentences.
    Describe {city} in a few words.
    Give me a fun fact about {animals}.
    Tell me something interesting about {person}.
    Tell me about {era}.
    Give me an interesting fact about {country}.
    Explain the rules of {sport}.
    Tell me about {landmark}.
    Give me three facts about {planet}.
    Explain {concept} in simple words.
    [words]
    Give me a word that rhymes with {rhyme}.
    Spell the word {word} for me.
    Give me a synonym for {word}.
    Use the word {word} in a sentence.
    [recommend]
    Recommend a {recommend} for {situation}.
    Suggest something fun to do on a {weather} day.
    Recommend a good gift for {relation}, who loves {hobby}.
    Quiz me on {quiz_topic}.
    Give me three ideas for {occasion}.
    Recommend a documentary about {animals}.
    Suggest a good {recommend} for {relation}.
    [messages]
    Help me write a short message to {relation} to say {message}.
    Write a text to {relation} that says {message}.
    Help me write a birthday card for {relation}.
    Help me write a short thank you note to {relation}.
    [motivation]
    Motivate me to {task}.
    Make me a {minutes} minute workout.
    Remind me why {hobby} is good for me.
    Give me a pep talk before I {task}.
    [motivation_fixed]
    Say something to cheer me up.
    Give me a quick workout I can do at home.
    Suggest some stretches for my back.
    Help me relax. Guide me through a short breathing exercise.
    Tell me something nice.
    Give me a riddle to solve.
    Tell me a tongue twister.
    Tell me a fun fact I can share at dinner.
    Give me a compliment.
    Suggest a hobby I can do at home.
    """
)

SMALL_TALK = groups(
    """
    [greetings_fixed]
    Hi!
    Hello!
    Hey there.
    Good morning!
    Hi, how are you?
    Hello, how's it going?
    Hey, what's up?
    Hi there, how are you doing today?
    Morning! How did you sleep?
    Hello again!
    Hi, it's me again.
    Hey, are you there?
    Hello, can you hear me?
    Hi! Nice to meet you.
    Hey, long time no see.
    Hi, I'm back.
    Hello, is anyone there?
    Hey, how has your day been?
    Hi, I just wanted to say hello.
    Hello! What a nice day.
    Hey, how was your weekend?
    [greetings]
    Good {part_of_day}!
    Good {part_of_day}, how are you?
    Hi, happy {weekday}!
    Hi, my name is {name}. What's yours?
    Hello, this is {name} again.
    Hey, it's {name}. How are you?
    Good {part_of_day}! How is your {weekday} going?
    [feelings]
    I'm feeling {good} today.
    I feel {good} because {reason_good}.
    I'm so {good}, {reason_good}!
    {Reason_good}! I'm so {good}.
    I'm feeling a bit {bad} today.
    I'm so {bad} right now.
    I feel {bad} because {reason_bad}.
    Ugh, I'm {bad}. {Reason_bad}.
    Honestly, I'm pretty {bad}. {Reason_bad}.
    Guess what? {Reason_good}!
    [opinions]
    What do you think about {hobby}?
    Do you like {food}?
    Do you like {season}?
    Do you like {sport}?
    Is {hobby} a good hobby?
    Which do you prefer, {pair}?
    {Pair}? Which do you like more?
    Do you think {city} is a nice place to live?
    What do you think of the name {name}?
    Do you like {weather} weather?
    What's the best thing about {season}?
    Is it weird that I love {food} for breakfast?
    Do you like {animals}?
    Would you rather visit {city} or {city2}?
    [favorites]
    What's your favorite {favorite}?
    Do you have a favorite {favorite}?
    My favorite color is {color}. What's yours?
    I love {animals}. Do you have a favorite animal?
    My favorite food is {food}. What about you?
    My favorite season is {season}.
    I think {weekday} is the best day of the week.
    My favorite month is {month}.
    My favorite sport to watch is {sport}.
    I really love {hobby}. What do you like to do?
    My favorite city is {city}. Have you been there?
    {Instrument} is my favorite instrument.
    [about_you]
    What's your name?
    Are you a robot?
    Where are you from?
    Do you ever get tired?
    Can you sing?
    How old are you?
    Do you have a favorite song?
    What do you do for fun?
    Do you dream?
    Are you real?
    Can you hear me clearly?
    Do you like your job?
    What are you good at?
    Do you have feelings?
    Can we be friends?
    Who made you?
    Do you sleep?
    What languages do you speak?
    Are you smarter than me?
    What can you help me with?
    How are you today?
    Are you listening?
    [thanks_fixed]
    Thank you!
    Thanks, that was really helpful.
    Thanks a lot for your help today.
    That's great, thank you so much.
    Thanks, you're the best.
    I appreciate it.
    Thank you, that makes sense now.
    Perfect, thanks!
    Awesome, thanks a lot.
    [thanks]
    Thanks for the {thanks_for}.
    That was a great {thanks_for}, thank you.
    Thank you, I'll try that on {weekday}.
    Thanks so much for the {thanks_for}!
    [goodbyes_fixed]
    Goodbye!
    Bye, talk to you later.
    See you tomorrow.
    I have to go now, bye.
    Good night!
    Bye for now.
    Talk soon.
    Catch you later.
    That's all for today, thanks.
    I'm going to bed now. Good night.
    [goodbyes]
    Have a nice {period}!
    I'm off to {go_place}. Bye!
    See you on {weekday}!
    Okay, I have to {task} now. Bye!
    Talk to you on {weekday}.
    Bye! Enjoy your {period}.
    [short]
    Yes.
    No.
    Okay.
    Okay, thanks.
    Really?
    Sure.
    Cool!
    Wow.
    Hmm, maybe.
    I see.
    Got it.
    That's funny.
    Nice!
    Of course.
    Not really.
    Great!
    Maybe later.
    Sounds good.
    Yes, please.
    No, thank you.
    Exactly.
    Oh, okay.
    Wait, what?
    I don't know.
    Good idea.
    [chatter]
    It's so {weather} today.
    It's really {weather} here in {city}.
    The weather is so {weather} this week.
    Is it {weather} where you are?
    It's {weather}, and I don't want to go outside.
    I'm going to try {hobby} this weekend.
    This {weekday} I have to {task}.
    Any plans for the {period}?
    I'm thinking about taking up {hobby}.
    I just got back from a trip to {city}.
    I just started learning {instrument}.
    {Relation} is visiting this weekend.
    I had lunch with {relation} today.
    {Relation} says hi.
    I just had {food} for lunch.
    I can't believe it's already {month}.
    I've been watching a lot of {sport} lately.
    My {pet} just did the funniest thing.
    """
)
