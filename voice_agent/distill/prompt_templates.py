"""One-turn question templates for the bundled distillation prompts (data only);
`prompt_requests` holds the requests and small talk.

Each `[family]` is drawn from evenly (times its weight in WEIGHTS), so a family with many
slot fillings cannot crowd out the others. A family without slots is a fixed list of turns.
"""

from __future__ import annotations

from voice_agent.distill.prompt_words import groups

# Said before a question now and then, so that not every question starts with its wh-word.
QUESTION_OPENERS = ["Hey,", "Quick question,", "I was wondering,", "Okay, so"]

QUESTIONS = groups(
    """
    [geography]
    What is {city} famous for?
    What is the weather like in {city} in {month}?
    What currency do they use in {country}?
    How many people live in {city}?
    What is the biggest city in {country}?
    Is {city} near the sea?
    Which countries share a border with {country}?
    What is the oldest city in {country}?
    Is {country} bigger than {country2}?
    What is the highest mountain in {country}?
    What is the best time of year to visit {country}?
    How far is {city} from {city2}?
    What food is {country} known for?
    Is it expensive to live in {city}?
    Do people in {country} drive on the left?
    What is the national animal of {country}?
    [geography_fixed]
    Which ocean is the deepest?
    How many countries are there in Africa?
    What is the smallest country in the world?
    Where is the driest place on Earth?
    Why is the Dead Sea so salty?
    What is the deepest lake in the world?
    Which country has the most people?
    What is the coldest place on Earth?
    How many time zones does Russia have?
    Why is Iceland called Iceland?
    Which river flows through Paris?
    How big is the Amazon rainforest?
    Is Greenland a country?
    What is the highest waterfall in the world?
    [animals]
    Where do {animals} live?
    How long do {animals} live?
    How fast is {an_animal}?
    Are {animals} dangerous?
    How big does {an_animal} get?
    How do {animals} sleep?
    How do {animals} talk to each other?
    Can {animals} see in the dark?
    What is the difference between {an_animal} and {an_animal2}?
    Are {animals} smart?
    Are {animals} endangered?
    Do {animals} live in groups?
    How heavy is {an_animal}?
    Can {animals} swim?
    What sound does {an_animal} make?
    Which is faster, {an_animal} or {an_animal2}?
    How do {animals} take care of their babies?
    [animals_fixed]
    Why do cats purr?
    Why do dogs wag their tails?
    Why do zebras have stripes?
    Why do birds sing in the morning?
    How do bees make honey?
    Why do giraffes have such long necks?
    How do fish breathe underwater?
    How do bats find their way in the dark?
    Why do salmon swim upstream?
    How do chameleons change color?
    Why do elephants have such big ears?
    Do penguins have knees?
    How do snakes move without legs?
    Why do camels have humps?
    Why do flamingos stand on one leg?
    How do spiders make their webs?
    Why do dogs sniff everything?
    Why do frogs croak at night?
    Are bats really blind?
    How long can a whale hold its breath?
    Why do cats land on their feet?
    How do birds know where to fly in the winter?
    [science]
    What is {concept}?
    How would you explain {concept}?
    Why is {concept} important?
    What causes {cause}?
    How do scientists study {concept}?
    [science_fixed]
    Why do leaves change color in the fall?
    Why is the ocean salty?
    Why do we yawn?
    Why do onions make you cry?
    Why does the moon change shape?
    Why do we get hiccups?
    How hot is the sun?
    How old is the Earth?
    Why does ice float?
    Why do stars twinkle?
    How do airplanes stay in the air?
    What makes popcorn pop?
    Why is snow white?
    Why do we dream?
    How do plants drink water?
    Why can't we breathe underwater?
    What is inside the Earth?
    Why is the sun so bright?
    How does the heart pump blood?
    Why do we need sleep?
    How do our eyes see color?
    Why is space dark?
    Why does metal feel colder than wood?
    What would happen if the moon disappeared?
    [how_things_work]
    How does {device} work?
    Who invented {invention}?
    When was {invention} invented?
    How is {material} made?
    What is {material} made of?
    How did people live before {invention}?
    [food]
    Is {food_mass} healthy?
    Are {foods} healthy?
    Where does {food_mass} come from?
    Where do {foods} come from?
    What goes well with {food}?
    How long does {food_mass} last in the fridge?
    How long do {foods} last in the fridge?
    Can dogs eat {food}?
    What vitamins are in {foods}?
    Why is {food_mass} so popular?
    Is it okay to eat {food} every day?
    Should I keep {foods} in the fridge?
    Is {food_mass} good for breakfast?
    Can you freeze {food}?
    [history]
    Who was {person}?
    Why is {person} famous?
    When did {person} live?
    What is {person} best known for?
    Where was {person} born?
    What was {era}?
    Why was {era} important?
    How did {era} end?
    What was life like during {era}?
    [history_fixed]
    Who built the pyramids in Egypt?
    When did people first go to the moon?
    Why did the Titanic sink?
    How old is the Great Wall of China?
    Who were the Vikings?
    Why did people build castles?
    When was writing invented?
    What did people eat in the Middle Ages?
    Who were the first people to use money?
    How did ancient people tell the time?
    Why did the dinosaurs die out?
    When were the first Olympic Games?
    Who was the first person to fly an airplane?
    Why did the Roman Empire fall?
    [words]
    What is the opposite of {word}?
    Is there another word for {word}?
    How do you spell {word}?
    How do you pronounce {word}?
    Where does the word {word} come from?
    Is {word} a formal word?
    What is a synonym for {word}?
    [jobs_and_skills]
    What does {a_job} do all day?
    How do you become {a_job}?
    How much do {jobs} earn?
    Is it hard to be {a_job}?
    What skills do {jobs} need?
    How long does it take to learn {instrument}?
    Is {instrument} hard to learn?
    What are the rules of {sport}?
    Where was {sport} invented?
    Why is {sport} so popular?
    What equipment do you need for {sport}?
    What holidays are in {month}?
    """
)

# Relative draw weights; families not named here weigh one.
WEIGHTS = {
    "geography_fixed": 0.5,
    "animals_fixed": 0.5,
    "science_fixed": 0.6,
    "history_fixed": 0.4,
    "motivation_fixed": 0.3,
    "greetings_fixed": 0.5,
    "about_you": 0.5,
    "thanks_fixed": 0.3,
    "goodbyes_fixed": 0.3,
    "short": 0.2,
}
