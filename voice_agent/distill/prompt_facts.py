"""Fact tables for the bundled distillation prompts (data only).

The assistant turns of the follow-up prompts are built from these rows, so every row must be
right as it stands: capitals, diets, planet order and the like are common knowledge, and the
tips, jokes and names are our own words. Rows split on newlines or ';', fields on '|'.
"""

from __future__ import annotations

from voice_agent.distill.prompt_words import records

COUNTRIES = records(
    """
    France|Paris|Europe|French; Germany|Berlin|Europe|German; Spain|Madrid|Europe|Spanish
    Italy|Rome|Europe|Italian; Portugal|Lisbon|Europe|Portuguese; Greece|Athens|Europe|Greek
    Ireland|Dublin|Europe|English; the Netherlands|Amsterdam|Europe|Dutch
    Belgium|Brussels|Europe|Dutch and French; Switzerland|Bern|Europe|German and French
    Austria|Vienna|Europe|German; Poland|Warsaw|Europe|Polish; Sweden|Stockholm|Europe|Swedish
    Norway|Oslo|Europe|Norwegian; Denmark|Copenhagen|Europe|Danish
    Finland|Helsinki|Europe|Finnish; Iceland|Reykjavik|Europe|Icelandic
    Hungary|Budapest|Europe|Hungarian; the Czech Republic|Prague|Europe|Czech
    Romania|Bucharest|Europe|Romanian; Ukraine|Kyiv|Europe|Ukrainian
    Croatia|Zagreb|Europe|Croatian; Serbia|Belgrade|Europe|Serbian
    Bulgaria|Sofia|Europe|Bulgarian; Estonia|Tallinn|Europe|Estonian; Latvia|Riga|Europe|Latvian
    Lithuania|Vilnius|Europe|Lithuanian; Slovakia|Bratislava|Europe|Slovak
    the United Kingdom|London|Europe|English; Turkey|Ankara|both Europe and Asia|Turkish
    Russia|Moscow|both Europe and Asia|Russian; Japan|Tokyo|Asia|Japanese
    China|Beijing|Asia|Mandarin Chinese; India|New Delhi|Asia|-; South Korea|Seoul|Asia|Korean
    Thailand|Bangkok|Asia|Thai; Vietnam|Hanoi|Asia|Vietnamese; Malaysia|Kuala Lumpur|Asia|Malay
    the Philippines|Manila|Asia|Filipino and English; Pakistan|Islamabad|Asia|-
    Bangladesh|Dhaka|Asia|Bengali; Nepal|Kathmandu|Asia|Nepali
    Mongolia|Ulaanbaatar|Asia|Mongolian; Iran|Tehran|Asia|Persian
    Iraq|Baghdad|Asia|Arabic and Kurdish; Saudi Arabia|Riyadh|Asia|Arabic
    Jordan|Amman|Asia|Arabic; Egypt|Cairo|Africa|Arabic; Morocco|Rabat|Africa|Arabic and Berber
    Kenya|Nairobi|Africa|Swahili and English; Nigeria|Abuja|Africa|-; Ethiopia|Addis Ababa|Africa|-
    Ghana|Accra|Africa|-; Tanzania|Dodoma|Africa|Swahili; Senegal|Dakar|Africa|Wolof and French
    Algeria|Algiers|Africa|Arabic; Tunisia|Tunis|Africa|Arabic; Uganda|Kampala|Africa|-
    Madagascar|Antananarivo|Africa|Malagasy
    Canada|Ottawa|North America|English and French
    Mexico|Mexico City|North America|Spanish; Cuba|Havana|North America, in the Caribbean|Spanish
    Jamaica|Kingston|North America, in the Caribbean|English
    Guatemala|Guatemala City|Central America, which is part of North America|Spanish
    Costa Rica|San Jose|Central America, which is part of North America|Spanish
    Panama|Panama City|Central America, which is part of North America|Spanish
    Brazil|Brasilia|South America|Portuguese; Argentina|Buenos Aires|South America|Spanish
    Chile|Santiago|South America|Spanish; Peru|Lima|South America|Spanish
    Colombia|Bogota|South America|Spanish; Venezuela|Caracas|South America|Spanish
    Ecuador|Quito|South America|Spanish; Uruguay|Montevideo|South America|Spanish
    Paraguay|Asuncion|South America|Spanish and Guarani
    Australia|Canberra|Oceania, and it is also a continent of its own|English
    New Zealand|Wellington|Oceania|English; Fiji|Suva|Oceania|-
    """,
    "country capital continent language",
)

# plural | singular with its article | class | what it eats
ANIMALS = records(
    """
    lions|a lion|a mammal|meat, mostly large animals such as zebras and wildebeest
    tigers|a tiger|a mammal|meat, such as deer and wild pigs
    elephants|an elephant|a mammal|grass, leaves, bark, and fruit
    giraffes|a giraffe|a mammal|leaves, especially from acacia trees
    zebras|a zebra|a mammal|mostly grass
    hippos|a hippo|a mammal|mostly grass, which they eat at night
    rhinos|a rhino|a mammal|grass and leaves
    gorillas|a gorilla|a mammal|mostly plants, such as leaves, stems, and fruit
    chimpanzees|a chimpanzee|a mammal|fruit, leaves, seeds, insects, and sometimes meat
    kangaroos|a kangaroo|a mammal|grass and other plants
    koalas|a koala|a mammal|almost nothing but eucalyptus leaves
    giant pandas|a giant panda|a mammal|mostly bamboo
    polar bears|a polar bear|a mammal|mostly seals
    brown bears|a brown bear|a mammal|berries, roots, fish, insects, and small animals
    wolves|a wolf|a mammal|meat, mostly deer and other large animals
    foxes|a fox|a mammal|small animals, insects, berries, and fruit
    rabbits|a rabbit|a mammal|grass, leafy plants, and vegetables
    squirrels|a squirrel|a mammal|nuts, seeds, fruit, and sometimes insects
    deer|a deer|a mammal|leaves, grass, twigs, and acorns
    camels|a camel|a mammal|grass, leaves, and thorny desert plants
    horses|a horse|a mammal|grass and hay; cows|a cow|a mammal|grass and hay
    sheep|a sheep|a mammal|mostly grass; goats|a goat|a mammal|grass, leaves, twigs, and shrubs
    pigs|a pig|a mammal|almost anything, both plants and animals
    mice|a mouse|a mammal|seeds, grains, fruit, and insects
    dolphins|a dolphin|a mammal|fish and squid
    blue whales|a blue whale|a mammal|tiny sea animals called krill
    sea otters|a sea otter|a mammal|sea urchins, crabs, clams, and other sea animals
    seals|a seal|a mammal|fish, squid, and shellfish
    hedgehogs|a hedgehog|a mammal|insects, worms, snails, and other small creatures
    sloths|a sloth|a mammal|mostly leaves
    cheetahs|a cheetah|a mammal|meat, mostly small antelopes such as gazelles
    beavers|a beaver|a mammal|bark, leaves, and water plants
    raccoons|a raccoon|a mammal|almost anything, from fruit and nuts to fish and insects
    bats|a bat|a mammal|mostly insects, though some kinds eat fruit or nectar
    moose|a moose|a mammal|leaves, twigs, and water plants
    leopards|a leopard|a mammal|meat, such as antelopes, monkeys, and birds
    orangutans|an orangutan|a mammal|mostly fruit; llamas|a llama|a mammal|grass and hay
    cats|a cat|a mammal|meat; eagles|an eagle|a bird|fish, small mammals, and other birds
    owls|an owl|a bird|small animals such as mice, insects, and sometimes fish
    penguins|a penguin|a bird|fish, squid, and krill
    parrots|a parrot|a bird|seeds, nuts, fruit, and flowers
    flamingos|a flamingo|a bird|tiny shrimp and algae, which is also what makes them pink
    hummingbirds|a hummingbird|a bird|flower nectar and small insects
    ducks|a duck|a bird|water plants, seeds, insects, and small fish
    chickens|a chicken|a bird|seeds, grains, insects, and worms
    ostriches|an ostrich|a bird|mostly plants, but also insects and lizards
    swans|a swan|a bird|mostly water plants; peacocks|a peacock|a bird|seeds, insects, and flowers
    crocodiles|a crocodile|a reptile|fish, birds, and mammals
    snakes|a snake|a reptile|other animals, such as mice, frogs, birds, and eggs
    tortoises|a tortoise|a reptile|mostly grass, leaves, and flowers
    sea turtles|a sea turtle|a reptile|jellyfish, sea grass, or algae, depending on the kind
    frogs|a frog|an amphibian|insects, worms, and spiders
    sharks|a shark|a fish|fish, seals, and other sea animals, depending on the kind of shark
    goldfish|a goldfish|a fish|plants, insects, and tiny water animals
    salmon|a salmon|a fish|smaller fish, shrimp, and insects
    bees|a bee|an insect|nectar and pollen from flowers; butterflies|a butterfly|an insect|nectar
    ladybugs|a ladybug|an insect|mostly tiny insects called aphids
    ants|an ant|an insect|many things, from seeds and sweet juices to other insects
    mosquitoes|a mosquito|an insect|plant nectar, and the females also drink blood
    spiders|a spider|an arachnid, not an insect|insects and other small animals
    octopuses|an octopus|a mollusk|crabs, shrimp, clams, and fish
    snails|a snail|a mollusk|leaves, plants, and bits of rotting plants
    crabs|a crab|a crustacean|almost anything, including algae, worms, and small fish
    """,
    "animals an_animal class diet",
)

PLANETS = records(
    """
    Mercury|first; Venus|second; Earth|third; Mars|fourth; Jupiter|fifth; Saturn|sixth
    Uranus|seventh; Neptune|eighth
    """,
    "planet ordinal",
)

MONTHS = records(
    """
    January|thirty-one days; February|twenty-eight days, or twenty-nine in a leap year
    March|thirty-one days; April|thirty days; May|thirty-one days; June|thirty days
    July|thirty-one days; August|thirty-one days; September|thirty days
    October|thirty-one days; November|thirty days; December|thirty-one days
    """,
    "month days",
)

WEEKDAYS = records(
    """
    Monday|Tuesday; Tuesday|Wednesday; Wednesday|Thursday; Thursday|Friday; Friday|Saturday
    Saturday|Sunday; Sunday|Monday
    """,
    "day next",
)

COLOR_MIXES = records(
    """
    blue|yellow|green; red|yellow|orange; red|blue|purple; red|white|pink; black|white|gray
    blue|white|light blue; red|green|a muddy brown
    """,
    "color color2 mix",
)

BABY_ANIMALS = records(
    """
    cow|a calf; dog|a puppy; cat|a kitten; sheep|a lamb; horse|a foal; goat|a kid
    frog|a tadpole; kangaroo|a joey; swan|a cygnet; duck|a duckling; bear|a cub; lion|a cub
    owl|an owlet; deer|a fawn; pig|a piglet; chicken|a chick; goose|a gosling; whale|a calf
    rabbit|a kit; fox|a kit; seal|a pup
    """,
    "animal a_baby",
)

WORDS = records(
    """
    enormous|very big; tiny|very small; ancient|very old, from a long time ago
    brave|ready to face danger or pain without showing fear; curious|eager to know or learn
    generous|happy to give things or time to other people; fragile|easy to break or damage
    humid|warm and damp, with a lot of water in the air; exhausted|extremely tired
    delicious|very pleasant to taste; rapid|happening very quickly
    vast|very large in area or amount; gloomy|dark, or feeling sad and without hope
    cozy|warm, comfortable, and safe; hilarious|extremely funny
    transparent|clear enough that you can see through it
    nocturnal|active at night and asleep during the day; herbivore|an animal that eats only plants
    carnivore|an animal that eats meat; omnivore|an animal that eats both plants and meat
    evaporate|to turn from a liquid into a gas
    migrate|to move from one region to another, often with the seasons
    hibernate|to spend the winter in a deep sleep
    procrastinate|to keep putting off something you should do
    optimistic|hopeful and confident about the future
    empathy|the ability to understand and share the feelings of another person
    nostalgia|a warm and slightly sad longing for the past
    resilient|able to recover quickly from hard times; ambiguous|open to more than one meaning
    meticulous|very careful about small details; reluctant|unwilling and slow to do something
    serendipity|finding something good by happy chance; ubiquitous|found everywhere
    frugal|careful not to spend more money than you need to
    eloquent|able to speak or write clearly and beautifully; tedious|long, slow, and boring
    vivid|very bright, or very clear and detailed; candid|honest and direct
    diligent|hardworking and careful; mundane|ordinary and not very exciting
    whimsical|playful and a little unusual; benevolent|kind and wanting to help others
    abundant|existing in large amounts
    obsolete|no longer used because something newer has replaced it
    spontaneous|done on the spur of the moment, without planning
    gregarious|enjoying the company of other people; tranquil|calm and peaceful
    ponder|to think carefully about something for a while
    """,
    "word meaning",
)

LANDMARKS = records(
    """
    the Eiffel Tower|in Paris, France; the Colosseum|in Rome, Italy; the Taj Mahal|in Agra, India
    the Statue of Liberty|in New York City, in the United States
    Machu Picchu|high in the mountains of Peru; Big Ben|in London, England
    the Sydney Opera House|in Sydney, Australia; the Great Pyramid of Giza|in Egypt, near Cairo
    Mount Fuji|in Japan, not far from Tokyo; the Grand Canyon|in Arizona, in the United States
    Stonehenge|in the south of England; the Acropolis|in Athens, Greece
    Niagara Falls|on the border between Canada and the United States
    Mount Everest|on the border between Nepal and China; the Leaning Tower of Pisa|in Pisa, Italy
    the Sagrada Familia|in Barcelona, Spain; Petra|in southern Jordan; Angkor Wat|in Cambodia
    the Golden Gate Bridge|in San Francisco, California
    the Great Barrier Reef|off the northeast coast of Australia
    Table Mountain|in Cape Town, South Africa; the Louvre|in Paris, France
    Chichen Itza|in Mexico, on the Yucatan Peninsula
    """,
    "landmark place",
)

UNITS = records(
    """
    minutes|an hour|sixty; seconds|a minute|sixty; hours|a day|twenty-four; days|a week|seven
    months|a year|twelve; weeks|a year|fifty-two; centimeters|a meter|one hundred
    meters|a kilometer|one thousand; grams|a kilogram|one thousand
    milliliters|a liter|one thousand; years|a century|one hundred; years|a decade|ten
    inches|a foot|twelve; ounces|a pound|sixteen; feet|a mile|five thousand two hundred eighty
    """,
    "unit whole number",
)

DISH_ORIGINS = records(
    """
    sushi|Japan; paella|Spain, from the area around Valencia; kimchi|Korea; pho|Vietnam
    goulash|Hungary; pad thai|Thailand; poutine|Canada, from the province of Quebec
    hummus|the Middle East; risotto|northern Italy; guacamole|Mexico
    pizza|Italy, from the city of Naples; fondue|Switzerland; tiramisu|Italy; haggis|Scotland
    couscous|North Africa; jollof rice|West Africa; feijoada|Brazil
    """,
    "dish origin",
)

# Short facts: a question and an answer that is right as it stands.
FACTS = records(
    """
    How many continents are there?|There are seven continents.
    What is the biggest ocean?|The Pacific Ocean is the biggest ocean on Earth.
    What is the tallest mountain in the world?|Mount Everest, almost nine thousand meters high.
    What is the biggest animal in the world?|The blue whale, the biggest animal that ever lived.
    What is the fastest land animal?|The cheetah is the fastest land animal.
    What gas do plants take in?|Plants take in carbon dioxide and give out oxygen.
    Who wrote Romeo and Juliet?|William Shakespeare wrote Romeo and Juliet.
    Who painted the Mona Lisa?|Leonardo da Vinci painted the Mona Lisa.
    What is the largest planet?|Jupiter is the largest planet in our solar system.
    What is the smallest planet?|Mercury is the smallest planet in our solar system.
    How many bones does an adult have?|An adult human has two hundred and six bones.
    What is the hardest natural material?|Diamond is the hardest natural material.
    At what temperature does water freeze?|Water freezes at zero degrees Celsius.
    At what temperature does water boil?|At sea level, water boils at one hundred degrees Celsius.
    Who was the first person to walk on the moon?|Neil Armstrong, in nineteen sixty-nine.
    What is the biggest hot desert in the world?|The Sahara, in northern Africa.
    How many hearts does an octopus have?|An octopus has three hearts.
    What is the closest star to Earth?|The sun. After it comes Proxima Centauri.
    How long does Earth take to go around the sun?|About three hundred sixty-five days, one year.
    Is a whale a fish?|No, a whale is a mammal. It breathes air and feeds its babies milk.
    Is a bat a bird?|No, a bat is a mammal, and the only mammal that can really fly.
    Is a spider an insect?|No, a spider is an arachnid. It has eight legs, and insects have six.
    Is a penguin a bird?|Yes, a penguin is a bird, even though it cannot fly.
    Is a tomato a fruit?|Yes. A tomato grows from a flower and holds seeds, so it is a fruit.
    Is a peanut a nut?|Not really. A peanut is a legume, like beans and peas.
    Is a seahorse a fish?|Yes, a seahorse is a fish, even though it looks very different.
    How many legs does an insect have?|Every insect has six legs.
    What is the longest river in the world?|Either the Nile or the Amazon. Experts still argue.
    Why is the sky blue?|Sunlight scatters off the air, and blue light scatters the most.
    Why do we have seasons?|Earth is tilted, so each half gets more sun for part of the year.
    What is the boiling point of water in Fahrenheit?|Two hundred and twelve degrees, at sea level.
    How far away is the moon?|The moon is about three hundred eighty-four thousand kilometers away.
    """,
    "question answer",
)

JOBS = records(
    """
    a nurse|nurses; a teacher|teachers; an engineer|engineers; a chef|chefs
    a firefighter|firefighters; a dentist|dentists; a police officer|police officers
    a librarian|librarians; a bus driver|bus drivers; a farmer|farmers; a pilot|pilots
    a plumber|plumbers; an electrician|electricians; a baker|bakers; a lawyer|lawyers
    a doctor|doctors; a scientist|scientists; an artist|artists; a musician|musicians
    a programmer|programmers; an accountant|accountants; a mechanic|mechanics
    a carpenter|carpenters; a photographer|photographers; a waiter|waiters
    a hairdresser|hairdressers; a journalist|journalists; a veterinarian|veterinarians
    a gardener|gardeners; an architect|architects; a pharmacist|pharmacists; a cashier|cashiers
    a tailor|tailors; a translator|translators; a flight attendant|flight attendants
    a lifeguard|lifeguards; a barista|baristas; a nanny|nannies; a dog walker|dog walkers
    """,
    "a_job jobs",
)

NAMES = records(
    """
    puppy|Biscuit|It is short, friendly, and easy to call out at the park.
    puppy|Mochi|It is cute and soft, just like a puppy.
    kitten|Pepper|It is short and sweet, and it suits a lively little cat.
    kitten|Luna|It means moon, which is perfect for a cat that loves the night.
    goldfish|Bubbles|It is playful, and goldfish are always making bubbles.
    hamster|Peanut|It is small and round, just like a hamster.
    parrot|Captain|Parrots and pirates go together, so it feels just right.
    rabbit|Clover|Rabbits love to nibble on clover, and it sounds lucky too.
    turtle|Shelly|It is a gentle little joke about its shell.
    horse|Thunder|It sounds strong and fast, like a horse at full gallop.
    hedgehog|Spike|It is short, a bit funny, and it fits all those spines.
    guinea pig|Nugget|It is tiny and cheerful, like a guinea pig.
    band|The Night Owls|It sounds cool and a little mysterious.
    bakery|Rise and Shine|Bread rises, and bakers start early in the morning.
    coffee shop|The Daily Grind|It is a friendly pun on grinding coffee every day.
    boat|Sea Breeze|It sounds calm and fresh, like a day on the water.
    podcast|Small Talk, Big Ideas|It tells people it is relaxed but still interesting.
    book club|Between the Pages|It is simple and it says exactly what you do.
    soccer team|The Thunderbolts|It sounds fast and full of energy.
    food truck|Rolling Bites|It tells people it is food and it moves around.
    """,
    "thing name reason",
)

TIPS = records(
    """
    sleeping better|Go to bed and get up at the same time every day, even on weekends.
    sleeping better|Put your phone away half an hour before bed and keep the bedroom cool.
    saving money|Move a small amount into savings as soon as you get paid, before you spend.
    saving money|Wait one full day before buying anything that you did not plan to buy.
    staying focused|Work for twenty-five minutes, then take a five minute break.
    staying focused|Keep your phone in another room while you work on one task at a time.
    learning a new language|Practice a little every day, even if it is only ten minutes.
    learning a new language|Talk to yourself in the new language while you cook or walk.
    drinking more water|Keep a full bottle of water on your desk where you can always see it.
    waking up early|Put your alarm across the room so that you have to get out of bed.
    making friends in a new city|Join a club or class that meets every week, and keep going back.
    studying for an exam|Test yourself with questions instead of only reading your notes again.
    keeping houseplants alive|Check the soil with your finger, and water only when it feels dry.
    speaking in public|Practice out loud a few times, and speak a little slower than feels natural.
    eating less sugar|Drink water instead of soda, and keep sweets out of easy reach.
    running your first race|Run slowly enough that you can still talk, and build up bit by bit.
    packing a suitcase|Roll your clothes instead of folding them, and put heavy things first.
    working from home|Start and stop work at the same time each day, and get dressed as usual.
    reading more books|Carry a book with you and read a few pages whenever you have to wait.
    remembering names|Say the name back when you meet someone, and use it again before you leave.
    """,
    "topic tip",
)

JOKES = records(
    """
    cats|Why did the cat sit on the computer? It wanted to keep an eye on the mouse.
    dogs|What do you call a dog that does magic tricks? A labracadabrador.
    fish|Why don't fish play tennis? They are afraid of the net.
    the ocean|What did the ocean say to the beach? Nothing, it just waved.
    math|Why was the math book sad? It had too many problems.
    coffee|Why did the coffee call the police? It got mugged.
    space|How do you throw a party in space? You planet.
    computers|Why did the computer go to the doctor? It had a virus.
    vegetables|Why did the tomato turn red? It saw the salad dressing.
    music|Why did the singer bring a ladder? To reach the high notes.
    the weather|Why did the cloud stay home? It was feeling a little under the weather.
    school|Why did the student eat his homework? The teacher said it was a piece of cake.
    cows|Where do cows go on a Saturday night? To the moovies.
    gardening|Why did the gardener quit? He was not making enough celery.
    eggs|Why don't eggs tell jokes? They would crack each other up.
    bread|Why did the baker stop making doughnuts? He got tired of the hole thing.
    """,
    "topic joke",
)

# The tables a chat in prompt_chats.py can name as its `rows` (prompts.py adds arithmetic).
TABLES = {
    "countries": COUNTRIES,
    "animals": ANIMALS,
    "planets": PLANETS,
    "months": MONTHS,
    "weekdays": WEEKDAYS,
    "colors": COLOR_MIXES,
    "baby_animals": BABY_ANIMALS,
    "words": WORDS,
    "landmarks": LANDMARKS,
    "units": UNITS,
    "dish_origins": DISH_ORIGINS,
    "facts": FACTS,
    "tips": TIPS,
    "jokes": JOKES,
    "names": NAMES,
}
