"""Multi-turn and multi-sentence templates for the bundled distillation prompts (data only).

A chat is asked about one row of a fact table (`rows`, a name in prompt_facts.TABLES):
`ask` is the user's first turn, `answer` the assistant's reply (it must be right for every
row), `again` asks the same about another row, `then` is a follow-up to the last answer and
`then2` one after two exchanges, where `{prev_field}` is the first row's field. A chat whose
`kind` is question or request also lends its `ask` lines to that kind.
"""

from __future__ import annotations

from voice_agent.distill.prompt_words import fields, groups

CHATS = {
    name: fields(keyed_lines)
    for name, keyed_lines in groups(
        """
    [capital]
    kind: question
    rows: countries
    weight: 1.5
    ask: What is the capital of {country}? | Do you know the capital of {country}?
    ask: What's the capital city of {country}? | Which city is the capital of {country}?
    answer: The capital of {country} is {capital}. | {Capital} is the capital of {country}.
    answer: It's {capital}.
    again: And what about {country}? | What about {country}? | And {country}?
    again: Okay, and the capital of {country}?
    then: What language do they speak there? | Is it the biggest city in the country?
    then: What is it famous for? | Tell me more about it. | How many people live there?
    then: Is it a nice place to visit? | What's the weather like there in {month}?
    then: Which continent is that in? | Why is that the capital? | Can you spell that for me?
    then: How old is that city? | What should I eat if I go there?
    then2: Which of those two cities is bigger?
    then2: Which one should I visit first, {prev_capital} or {capital}?
    then2: Are those two countries far apart? | Can you remind me of the first one?
    then2: Which of the two is older? | Thanks. Can you say both again, slowly?
    [continent]
    kind: question
    rows: countries
    ask: Which continent is {country} in? | What continent is {country} on?
    ask: Where in the world is {country}?
    answer: {Country} is in {continent}.
    again: And {country}? | What about {country}? | And where is {country}?
    then: What other countries are near it? | Is it a big country? | What's the weather like there?
    then: Tell me more about it. | What's the capital? | Can you say that more simply?
    then: How far is it from here?
    then2: Are those two places far apart? | Which of the two is bigger?
    then2: Could I visit both on one trip?
    [language]
    kind: question
    rows: countries
    needs: language
    ask: What language do people speak in {country}? | What do they speak in {country}?
    ask: Which language is spoken in {country}?
    answer: People in {country} mostly speak {language}.
    answer: In {country}, most people speak {language}.
    again: And in {country}? | What about {country}? | And what do they speak in {country}?
    then: Is it hard to learn?
    then: Is it spoken anywhere else? | Why is that? | Can you teach me a word in it?
    then: Is it similar to any other language? | Tell me more about it.
    then2: Are those two languages related? | Which of the two is easier to learn?
    then2: Can you say thank you in both?
    [diet]
    kind: question
    rows: animals
    weight: 1.5
    ask: What do {animals} eat? | What kind of food do {animals} eat? | What does {an_animal} eat?
    answer: {Animals} eat {diet}.
    again: And what about {animals}? | What do {animals} eat? | And {animals}?
    then: Why is that? | Where do they live? | Are they dangerous? | How big do they get?
    then: Can I keep one as a pet? | Tell me more about them. | Can you say that more simply?
    then: How much do they eat in a day? | How long do they live? | Do they have any enemies?
    then2: Which of those two animals is bigger? | Could those two ever meet in the wild?
    then2: Which one would win a race? | Which one is more dangerous, {prev_animals} or {animals}?
    [animal_class]
    kind: question
    rows: animals
    ask: What kind of animal is {an_animal}? | What type of animal is {an_animal}?
    ask: Which group of animals does {an_animal} belong to?
    answer: {An_animal} is {class}.
    again: And {an_animal}? | What about {an_animal}? | And what kind of animal is {an_animal}?
    then: How can you tell? | What does that mean, exactly? | Really? I didn't know that.
    then: What other animals are in that group? | Why is that?
    then2: So are those two related? | What is the difference between the two?
    then2: Which one came first in evolution?
    [planet]
    kind: question
    rows: planets
    ask: What is the {ordinal} planet from the sun? | Which planet is {ordinal} from the sun?
    ask: Which planet comes {ordinal} from the sun?
    answer: {Planet} is the {ordinal} planet from the sun.
    answer: The {ordinal} planet from the sun is {planet}.
    again: And the {ordinal} one? | What about the {ordinal} planet? | And which one is {ordinal}?
    then: How big is it? | Does it have any moons? | Tell me more about it. | What is it made of?
    then: How long is a day there? | Is it hot or cold there? | Why is it called that?
    then: Can you see it without a telescope?
    then2: Which of those two is bigger? | Which one is colder, {prev_planet} or {planet}?
    then2: How far apart are they? | Which one has more moons?
    [arithmetic]
    kind: question
    rows: arithmetic
    ask: What is {expr}? | How much is {expr}? | Quick math question. What is {expr}?
    ask: Can you help me? What's {expr}?
    answer: {Expr} is {result}. | That's {result}. | The answer is {result}.
    again: And {expr}? | What about {expr}? | Okay, and {expr}?
    then: How did you work that out? | Can you check that again?
    then: Is there a trick for doing that in my head? | Thanks. Can you give me a harder one?
    then: Are you sure? | Can you explain it step by step?
    then2: Now add those two answers together. | Which of those two answers is bigger?
    then2: Great. Can you quiz me with one like that?
    [months]
    kind: question
    rows: months
    ask: How many days are in {month}? | How many days does {month} have?
    ask: Does {month} have thirty or thirty-one days?
    answer: {Month} has {days}.
    again: And {month}? | What about {month}? | And how many in {month}?
    then: What is a leap year? | Is there an easy way to remember that?
    then: Which month is the shortest? | Why are the months different lengths?
    then: Which months have thirty-one days? | How many days are in the whole year?
    then2: So which of those two is longer? | How many days is that together?
    [weekday]
    kind: question
    rows: weekdays
    weight: 0.5
    ask: What day comes after {day}? | What's the day after {day}?
    ask: If today is {day}, what day is tomorrow?
    answer: The day after {day} is {next}. | After {day} comes {next}.
    again: And after {day}? | What about after {day}?
    then: Why are the days named like that? | Why does a week have seven days?
    then: Where does the name of that day come from? | Which day do you like best?
    then2: How many days apart are those?
    [colors]
    kind: question
    rows: colors
    weight: 0.6
    ask: What color do you get when you mix {color} and {color2}?
    ask: If I mix {color} paint with {color2} paint, what color do I get?
    ask: What happens when you mix {color} and {color2} paint?
    answer: Mixing {color} and {color2} paint gives you {mix}. | You get {mix}.
    again: And {color} and {color2}? | What about {color} with {color2}?
    then: Why does that happen? | Does it work the same way with light? | How do I make it lighter?
    then: What if I add more {color2}? | And how do I make it darker?
    then: Can you say that more simply?
    then2: What if I mix all of those together? | Which of those two colors is warmer?
    [baby_animals]
    kind: question
    rows: baby_animals
    ask: What is a baby {animal} called? | What do you call a baby {animal}?
    ask: Is there a special name for a baby {animal}?
    answer: A baby {animal} is called {a_baby}. | It's called {a_baby}.
    again: And a baby {animal}? | What about a baby {animal}? | And what is a baby {animal} called?
    then: Why is it called that? | How long does it stay {a_baby}?
    then: Do other animals use the same word for their babies?
    then: How big are they when they are born? | That's cute. Tell me more.
    then2: Which of those two grows up faster? | Are those two words related?
    [definition]
    kind: question
    rows: words
    weight: 1.2
    ask: What does {word} mean? | What does the word {word} mean?
    ask: Can you tell me what {word} means? | What's the meaning of {word}?
    answer: {Word} means {meaning}. | The word {word} means {meaning}. | It means {meaning}.
    again: And {word}? | What about the word {word}? | And what does {word} mean?
    then: Can you use it in a sentence? | What's the opposite of that?
    then: Is there a simpler word for it? | How do you spell it? | Where does that word come from?
    then: Can you say that more simply? | Is it a common word?
    then2: Can you use both words in one sentence? | Which of those two words is more common?
    then2: Are those two words related?
    [landmark]
    kind: question
    rows: landmarks
    ask: Where is {landmark}? | Where can I find {landmark}? | Do you know where {landmark} is?
    answer: {Landmark} is {place}.
    again: And where is {landmark}? | What about {landmark}? | And {landmark}?
    then: How old is it? | Why is it famous? | Can people visit it?
    then: What's the best time of year to go? | How big is it? | Tell me more about it.
    then2: Which of those two is older? | Could I see both on one trip?
    then2: Which one is more popular with tourists?
    [units]
    kind: question
    rows: units
    weight: 0.7
    ask: How many {unit} are in {whole}? | How many {unit} are there in {whole}?
    answer: There are {number} {unit} in {whole}.
    again: And how many {unit} are in {whole}? | What about {unit} in {whole}?
    then: Why that number? | How can I remember that? | Is it the same everywhere in the world?
    then: Can you give me an example? | And how many are in two of those?
    [dish]
    kind: question
    rows: dish_origins
    ask: Where does {dish} come from? | What country is {dish} from? | Where was {dish} first made?
    answer: {Dish} comes from {origin}.
    again: And {dish}? | What about {dish}? | And where does {dish} come from?
    then: How do you make it? | What does it taste like? | Is it spicy? | Is it healthy?
    then: Can I make it at home? | What should I drink with it? | What's in it?
    then2: Which of those two is easier to make at home? | Could I serve both at one dinner?
    [fact]
    kind: question
    rows: facts
    weight: 2
    ask: {question}
    answer: {answer}
    again: {question} | Thanks. {question} | Okay, next question. {question}
    then: Why is that? | Really? I didn't know that. | How do people know that?
    then: Tell me more about it. | Can you say that more simply? | Is that true?
    then: Wow. What else should I know? | Can you repeat that? | Where can I learn more about that?
    then2: Which of those two facts is more surprising? | Can you ask me a question like that now?
    [tip]
    kind: request
    rows: tips
    ask: Give me a tip for {topic}. | Do you have any advice for {topic}?
    ask: What's your best tip for {topic}?
    answer: {Tip} | Here's one. {Tip} | Sure. {Tip}
    again: What about {topic}? | And do you have a tip for {topic}?
    then: Can you give me another one? | Why does that help?
    then: That sounds hard. Is there an easier way? | How long before I notice a difference?
    then: Okay, I'll try that. | What if that doesn't work for me?
    then2: Which of those two tips should I start with? | Can you remind me of the first tip?
    [joke]
    kind: request
    rows: jokes
    ask: Tell me a joke about {topic}. | Do you know a joke about {topic}?
    ask: Make me laugh with a joke about {topic}.
    answer: {Joke} | Okay, here's one. {Joke} | Sure. {Joke}
    again: Now tell me one about {topic}. | What about a joke about {topic}?
    again: Do you have one about {topic}?
    then: Ha, that's a good one. Another one, please. | I don't get it. Can you explain?
    then: That was terrible. Try again. | Tell me one about {joke_topic}. | Can you make it funnier?
    then: Okay, that made me smile.
    then2: Which of those two jokes do you like better? | Those were great. One more?
    [name]
    kind: request
    rows: names
    ask: Suggest a name for my new {thing}. | Can you help me name my {thing}?
    ask: What should I call my new {thing}?
    answer: How about {name}? {Reason} | What about {name}? {Reason}
    again: And a name for my {thing}? | Now I need a name for my {thing} too.
    then: Something shorter, please. | Can you give me a few more ideas?
    then: I love it. Why did you pick that one? | Hmm, can you make it funnier?
    then: That's nice. Anything more unusual? | I'm not sure. Can you try again?
    then2: Which of those two names do you like better?
    then2: Great. Can you remind me of the first name?
    """
    ).items()
}

# A long turn is one `open` sentence, one `middle` and one `ask`, drawn from one scenario.
LONG = {
    name: fields(keyed_lines)
    for name, keyed_lines in groups(
        """
    [trip]
    open: I'm going to {city} for {num} days next {month}.
    open: My partner and I are finally visiting {city} this {season}.
    open: I booked a trip to {city} with two of my friends from work.
    middle: I have never been there before, and I really love {hobby}, good food, and long walks.
    middle: I don't want to spend too much money, but I also don't want to miss the famous places.
    middle: I don't like big crowds very much, and I'd rather explore quiet neighborhoods on foot.
    ask: What should I make sure to see while I'm there?
    ask: How would you split up the days so that it doesn't feel rushed?
    ask: What are a few things I should pack for a trip like that?
    [dinner]
    open: I invited {num} friends over for dinner on {weekday}.
    open: My in-laws are coming over for dinner this weekend, and I'm the one cooking.
    open: It's my turn to cook for my book club next {weekday}.
    middle: One of them doesn't eat meat, and another can't have gluten. I'm not a confident cook.
    middle: I only have one big pan and a small oven, so I need something simple.
    middle: Last time I tried something fancy, it took me four hours, so I want to keep it easy.
    ask: Can you suggest a main dish that everyone will enjoy?
    ask: What would you cook, and what can I prepare the day before?
    ask: Could you give me an easy menu with a starter, a main course, and a dessert?
    [pet]
    open: My {pet} has been acting a little strange for the last few days.
    open: We adopted a {pet} from a shelter about two weeks ago.
    open: My neighbor asked me to look after her {pet} while she is away for a week.
    middle: It sleeps most of the day and doesn't seem interested in its toys or its food anymore.
    middle: It seems nervous around people and hides whenever someone comes to visit.
    middle: I have never taken care of an animal before, and I really don't want to get it wrong.
    ask: Should I be worried, and what can I do to help?
    ask: How can I make it feel safe and comfortable at home?
    ask: What are the most important things I should know?
    [new_job]
    open: I started a new job as {a_job} about two weeks ago.
    open: Next {weekday} is my first day as {a_job} at a small company.
    open: After ten years in the same place, I switched careers, and now I work as {a_job}.
    middle: Everyone is friendly, but I feel like I'm learning much slower than the others.
    middle: I'm excited, but I'm also worried that I won't remember everything they tell me.
    middle: My manager is very busy, so I don't want to ask her too many questions.
    ask: How can I get up to speed faster?
    ask: What can I do in the first month to make a good impression?
    ask: Do you have any advice for staying calm and confident?
    [new_hobby]
    open: I've always wanted to try {hobby}, but I never seemed to have the time.
    open: A friend of mine has been into {hobby} for years and keeps telling me to try it.
    open: Now that the kids are older, I finally have a few free evenings to try {hobby}.
    middle: I'm a complete beginner, and I don't want to spend a lot of money on equipment yet.
    middle: I get bored easily, so I need something that feels rewarding early on.
    middle: I'm a bit shy, so I'd like to start on my own before I join a group.
    ask: How should I get started?
    ask: What would a good first month look like?
    ask: What mistakes do beginners usually make, and how can I avoid them?
    [gift]
    open: {Relation} has a birthday coming up next {weekday}.
    open: My best friend is moving abroad next month, and I want to give a goodbye present.
    open: My sister's birthday is in two weeks, and I still have no idea what to get.
    middle: They really love {hobby}, but they seem to have everything for it already.
    middle: I don't want to spend more than about fifty dollars, and I'd like it to feel personal.
    middle: Last year I gave flowers, so this time I'd like to do something more creative.
    ask: What would be a thoughtful gift?
    ask: Can you give me a few ideas that aren't too expensive?
    ask: Would an experience be better than a thing, and what would you suggest?
    [sleep]
    open: Lately I've been going to bed around midnight, but I keep waking up at four.
    open: For the past month I've had trouble falling asleep, even when I'm really tired.
    open: I work late shifts three times a week, and my sleep schedule is a complete mess.
    middle: Then I feel tired and grumpy for the rest of the day, and coffee doesn't really help.
    middle: I usually look at my phone in bed, and my bedroom is a bit warm and noisy.
    middle: I've tried counting sheep and drinking warm milk, but nothing seems to work.
    ask: What can I do to sleep better?
    ask: What small changes would you try first?
    ask: Is there a simple evening routine you would recommend?
    [language]
    open: I'm learning {language} because my partner's family speaks it.
    open: I've been studying {language} with an app for about six months.
    open: I want to learn some {language} before my trip next {season}.
    middle: I practice every day, but I still can't follow people when they talk fast.
    middle: I can read quite a lot, but I freeze up whenever I have to actually speak.
    middle: Grammar is fine for me, but I keep forgetting new words after a few days.
    ask: What else could I try?
    ask: How can I get more real speaking practice?
    ask: What would you change about the way I'm studying?
    [kid_question]
    open: My {kid} asked me {wonder} this morning, and I didn't know what to say.
    open: At dinner yesterday, my {kid} wanted to know {wonder}.
    open: All week, my {kid} has been asking me {wonder}.
    middle: I want to give a simple answer that a {age} year old can understand.
    middle: I'd like to explain it properly, without making anything up.
    middle: I tried looking it up, but the explanations were full of long words.
    ask: How would you explain it?
    ask: Can you give me an answer in two or three simple sentences?
    ask: Is there a fun little experiment we could do together at home?
    [garden]
    open: I planted {plant} on my balcony in {month}.
    open: This year I started a small garden in my backyard, with {plant} and a few herbs.
    open: My {plant} were growing really well until about two weeks ago.
    middle: They get a lot of sun, but now the leaves are turning yellow and some are falling off.
    middle: I water them every morning, but the soil still looks dry by the evening.
    middle: Some tiny insects have appeared on the leaves, and I don't want to use strong chemicals.
    ask: What am I doing wrong?
    ask: What would you check first?
    ask: How can I save them before it's too late?
    [moving]
    open: We just moved to {city} with our two kids.
    open: I moved to {city} for work about three months ago.
    open: My partner got a job in {city}, so we're moving there at the end of {month}.
    middle: I don't know anyone there yet, and the weather is very different from home.
    middle: Everyone at work is nice, but they all have their own friends and families.
    middle: I'm excited, but I'm also a bit nervous about starting over in a new place.
    ask: What are some good ways to meet new people?
    ask: How can I make the first few months easier?
    ask: What should I do in the first week to feel more at home?
    [running]
    open: I want to run {race} in {num} months.
    open: My doctor told me I should get more exercise, so I've decided to start running.
    open: I used to play {sport} in school, but I haven't done any sport for years.
    middle: Right now I can only run for about {minutes} minutes before I need to stop and walk.
    middle: My knees sometimes hurt after long walks, so I want to be careful.
    middle: I can only train early in the morning, before work, about three times a week.
    ask: Can you give me a simple plan to get ready?
    ask: How fast should I increase how much I do each week?
    ask: What should I eat and drink to have enough energy?
    [money]
    open: I just got my first real paycheck, and I want to be smarter with money this time.
    open: Every month I somehow end up with nothing left in my bank account.
    open: My partner and I want to save for a trip to {country} next {season}.
    middle: I don't really know where it all goes, but I think it's mostly food delivery.
    middle: I earn enough, but I have never made a proper budget before.
    middle: I'd like to put some money aside without feeling like I can never have any fun.
    ask: Where should I start?
    ask: Can you walk me through a simple way to make a budget?
    ask: What are a few easy habits that would make a difference?
    [study]
    open: I have a big {subject} exam in {num} weeks.
    open: I'm going back to school at forty to study {subject}.
    open: My {subject} teacher said my last test was my worst one this year.
    middle: I always start studying too late, and then I panic the night before.
    middle: I read my notes again and again, but I forget most of it the next day.
    middle: I get distracted by my phone every few minutes, even when I really try.
    ask: How should I plan my studying?
    ask: What study methods actually work?
    ask: Can you help me make a plan for the next few weeks?
    [tech]
    open: My laptop has become really slow over the past few months.
    open: My phone keeps running out of storage, and I get a warning every day.
    open: My parents just got their first smartphone, and they keep calling me with questions.
    middle: I'm not very good with technology, and I'm scared of deleting something important.
    middle: I don't want to buy a new one if I can avoid it.
    middle: I use it for work every day, so I really need it to run properly again.
    ask: What simple things can I try first?
    ask: Can you explain what I should do, step by step?
    ask: What would you recommend, in simple words?
    """
    ).items()
}
