"""Word lists for the bundled distillation prompts (data only).

All wording is our own. Every word must stay speakable: ASCII letters and sentence
punctuation, numbers spelled out, no abbreviations or symbols, American spelling (the TTS
voice and whisper are American English). prompts.py adds the lists drawn from prompt_facts.py
(countries, animals, ...) to SLOTS.
"""

from __future__ import annotations


def items(block: str) -> list[str]:
    return [w.strip() for w in block.replace("\n", ",").split(",") if w.strip()]


def lines(block: str) -> list[str]:
    return [line.strip() for line in block.splitlines() if line.strip()]


def groups(block: str) -> dict[str, list[str]]:
    """Lines under `[name]` headers, as {name: lines}."""
    out: dict[str, list[str]] = {}
    name = ""
    for line in lines(block):
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1]
            out[name] = []
        else:
            out[name].append(line)
    return out


def fields(keyed_lines: list[str]) -> dict[str, list[str]]:
    """`key: value | value` lines, as {key: values in order}; a key may repeat."""
    out: dict[str, list[str]] = {}
    for line in keyed_lines:
        key, _, values = line.partition(": ")
        out.setdefault(key, []).extend(v.strip() for v in values.split(" | "))
    return out


def records(block: str, columns: str) -> list[dict[str, str]]:
    """Rows split on newlines or ';', fields on '|'; '-' marks a fact we leave out."""
    names = columns.split()
    rows = [r.strip() for r in block.replace("\n", ";").split(";") if r.strip()]
    return [dict(zip(names, (f.strip() for f in r.split("|")), strict=True)) for r in rows]


_FOOD_MASS = items(
    """
    pizza, pasta, sushi, rice, soup, salad, chocolate, ice cream, cheese, yogurt, bread, popcorn,
    honey, coffee, green tea, peanut butter, tofu, oatmeal, lasagna, paella, hummus, guacamole,
    risotto, curry, ramen, spinach, broccoli, garlic, chili, quinoa, dark chocolate, banana bread,
    apple pie, fried rice, salmon, chicken soup, kimchi, sourdough bread, granola, orange juice
    """
)
_FOOD_PLURAL = items(
    """
    bananas, apples, mangoes, strawberries, blueberries, avocados, tomatoes, potatoes, carrots,
    mushrooms, onions, eggs, beans, lentils, tacos, dumplings, pancakes, waffles, noodles,
    burritos, croissants, bagels, cookies, brownies, French fries, olives, grapes, cherries,
    peaches, oranges, lemons, almonds, walnuts, peanuts, sweet potatoes, cucumbers, chickpeas
    """
)
_HOBBIES = items(
    """
    running, swimming, cycling, hiking, yoga, painting, drawing, knitting, gardening, cooking,
    baking, reading, writing poetry, photography, chess, dancing, singing, playing the guitar,
    playing the piano, learning a new language, fishing, camping, rock climbing, skiing, surfing,
    skateboarding, bird watching, woodworking, pottery, sewing, meditation, keeping a journal,
    board games, video games, jigsaw puzzles, volunteering, traveling, sailing, tennis,
    ice skating, horse riding, origami, calligraphy, astronomy, learning to code, baking bread,
    collecting stamps, crossword puzzles, playing the drums, making short films
    """
)

SLOTS: dict[str, list[str]] = {
    "language": items("Spanish, French, German, Italian, Portuguese, Japanese, Korean, Greek"),
    "food": _FOOD_MASS + _FOOD_PLURAL,
    "food_mass": _FOOD_MASS,
    "foods": _FOOD_PLURAL,
    "hobby": _HOBBIES,
    "city": items(
        """
        Paris, Tokyo, New York, London, Chicago, Sydney, Toronto, Rome, Barcelona, Istanbul,
        Cairo, Mumbai, Seoul, Bangkok, Lisbon, Prague, Vienna, Berlin, Amsterdam, Dublin,
        Edinburgh, Boston, Seattle, San Francisco, Los Angeles, Mexico City, Buenos Aires,
        Rio de Janeiro, Cape Town, Nairobi, Marrakesh, Singapore, Hong Kong, Kyoto, Venice,
        Florence, Athens, Copenhagen, Stockholm, Vancouver, Montreal, Havana, Lima, Melbourne,
        Auckland, Budapest, Madrid, Munich, Oslo, Helsinki, Reykjavik, Hanoi, Nashville, Denver
        """
    ),
    "cookable": items(
        """
        rice, pasta, salmon, eggs, chicken breast, potatoes, lentils, broccoli, quinoa, tofu,
        mushrooms, a steak, shrimp, black beans, spinach, carrots, oatmeal, sweet potatoes,
        green beans, zucchini, fish, pork chops, a whole chicken, brown rice, noodles, asparagus,
        cauliflower, eggplant, corn on the cob, chickpeas
        """
    ),
    "dish": items(
        """
        pancakes, pizza dough, banana bread, a simple curry, tomato soup, guacamole, hummus,
        lasagna, an omelet, fried rice, a smoothie, lemonade, chocolate chip cookies,
        a salad dressing, mashed potatoes, French toast, scrambled eggs, a vegetable stir fry,
        chicken soup, a fruit salad, garlic bread, a grilled cheese sandwich, apple pie,
        hot chocolate, iced tea, a simple pasta sauce, pizza at home, a veggie burger, potato salad
        """
    ),
    "ingredient": items(
        """
        eggs, rice, chicken, spinach, tomatoes, cheese, potatoes, onions, garlic, beans, pasta,
        tofu, mushrooms, peppers, lentils, carrots, bread, milk, yogurt, bananas, apples, salmon,
        zucchini, chickpeas, lemons, coconut milk, oats, peanut butter, avocados, sweet potatoes
        """
    ),
    "tip_topic": items(
        """
        sleeping better, staying focused at work, saving money, learning a new language,
        waking up early, drinking more water, making friends in a new city, studying for an exam,
        running my first race, keeping houseplants alive, cooking for one person,
        staying calm before a job interview, packing a suitcase, working from home,
        reading more books, taking better photos with my phone, remembering names,
        keeping my desk tidy, staying warm in winter, staying cool in summer,
        starting a vegetable garden, asking for a raise, being on time, eating less sugar,
        training a new puppy, falling asleep faster, speaking in public,
        staying motivated to exercise, clearing out my closet, planning meals for the week,
        getting better at chess, learning to swim as an adult, traveling on a budget,
        keeping in touch with old friends, spending less time on my phone,
        making a good first impression, organizing my week, writing a good cover letter,
        cleaning the kitchen faster, keeping my plants alive while I travel
        """
    ),
    "joke_topic": items(
        """
        the weather, computers, school, math, space, the ocean, music, Mondays, coffee,
        vegetables, dinosaurs, pirates, robots, cheese, books, the moon, trains, socks, winter,
        gardening, soccer, pizza, bananas, cats, dogs, cows, penguins, skeletons, bread, eggs,
        ghosts, camping, birthdays, the dentist, elevators, clocks, chickens, bicycles, snowmen
        """
    ),
    "concept": items(
        """
        gravity, photosynthesis, electricity, magnetism, evaporation, a black hole, an atom,
        a molecule, friction, energy, the water cycle, the greenhouse effect, climate change,
        a solar eclipse, the ozone layer, a vaccine, bacteria, a virus, the immune system,
        artificial intelligence, a galaxy, a comet, a light year, inflation, a gene, evolution,
        an ecosystem, erosion, a meteor, the speed of light, a calorie, metabolism, a rainbow,
        static electricity, a hurricane, oxygen, carbon dioxide, a volcano, an earthquake,
        sound, a fossil, renewable energy, plate tectonics, a protein, a cell, the stock market,
        democracy, an interest rate, a tsunami, the Big Bang
        """
    ),
    "cause": items(
        """
        thunder, lightning, earthquakes, rainbows, the tides, the seasons, hiccups, wind, rain,
        snow, fog, hurricanes, volcanoes to erupt, the northern lights, a sunburn, jet lag,
        goosebumps, headaches, static shocks, rust, a fever, allergies, ocean waves, brain freeze,
        yawning, tornadoes, dreams, thunderstorms, muscle cramps, a rainbow to form
        """
    ),
    "device": items(
        """
        a microwave oven, a refrigerator, a battery, a solar panel, a wind turbine, a rocket,
        an airplane, a satellite, a magnet, a telescope, a microscope, a smartphone,
        a touchscreen, a search engine, email, a thermometer, a compass, a light bulb, a camera,
        wireless internet, a robot vacuum, an electric car, a dishwasher, a washing machine,
        a toaster, a hearing aid, a submarine, a helicopter, an elevator, a piano, a clock,
        a loudspeaker, a printer, a vending machine, a traffic light, a lock and key, a heat pump,
        an air conditioner, a credit card, a barcode scanner, a nuclear power plant,
        a hot air balloon, a parachute, a zipper, a sewing machine, a bar of soap
        """
    ),
    "invention": items(
        """
        the telephone, the light bulb, the printing press, the airplane, the radio,
        the television, the bicycle, the computer, the internet, the piano, the camera,
        the steam engine, the telescope, the wheel, paper, the compass, the car,
        the refrigerator, the microwave oven, the toothbrush, chocolate chip cookies,
        the sandwich, eyeglasses, the pencil, the zipper, the calculator, the World Wide Web,
        the thermometer, the typewriter, the electric guitar, video games, the ballpoint pen,
        the umbrella, the sewing machine, the parachute, the submarine
        """
    ),
    "material": items(
        """
        glass, paper, chocolate, cheese, plastic, steel, bread, butter, yogurt, soap, silk, wool,
        paint, coffee, tea, sugar, salt, maple syrup, peanut butter, rubber, cement,
        chewing gum, ice cream, pasta, tofu, olive oil, honey, cotton, denim, candle wax,
        vinegar, toothpaste
        """
    ),
    "person": items(
        """
        Cleopatra, Julius Caesar, Leonardo da Vinci, Marie Curie, Albert Einstein, Isaac Newton,
        Napoleon, Abraham Lincoln, Mozart, Beethoven, William Shakespeare, Galileo,
        Charles Darwin, Ada Lovelace, Nelson Mandela, Mahatma Gandhi, Martin Luther King Junior,
        Amelia Earhart, Joan of Arc, Genghis Khan, Alexander the Great, Confucius, Frida Kahlo,
        Vincent van Gogh, Jane Austen, Florence Nightingale, Nikola Tesla, Thomas Edison,
        Queen Victoria, Christopher Columbus, Marco Polo, Rosa Parks, Harriet Tubman,
        Pablo Picasso, Michelangelo, Socrates, Aristotle, Charles Dickens, Jane Goodall,
        Neil Armstrong, Yuri Gagarin, Louis Pasteur
        """
    ),
    "era": items(
        """
        the Renaissance, the Industrial Revolution, the Stone Age, the Bronze Age, the Cold War,
        the French Revolution, the Roman Empire, the Silk Road, the last Ice Age, the space race,
        the Great Depression, the Middle Ages, the Gold Rush, the Ottoman Empire,
        the Aztec Empire, the Inca Empire, the Viking Age, ancient Egypt, ancient Greece,
        the Ming dynasty
        """
    ),
    "instrument": items(
        """
        the piano, the guitar, the violin, the drums, the flute, the trumpet, the cello,
        the saxophone, the ukulele, the harp, the clarinet, the bass guitar, the harmonica,
        the accordion, the banjo, the trombone, the xylophone, the bagpipes, the mandolin
        """
    ),
    "sport": items(
        """
        soccer, tennis, basketball, baseball, golf, volleyball, table tennis, badminton, rugby,
        cricket, ice hockey, snowboarding, boxing, rowing, gymnastics, American football
        """
    ),
    "season": items("spring, summer, fall, winter"),
    "color": items("red, blue, green, yellow, purple, orange, pink, black, white, gray, brown"),
    "relation": items(
        """
        my mom, my dad, my brother, my sister, my best friend, my grandmother, my grandfather,
        my boss, my neighbor, my wife, my husband, my girlfriend, my boyfriend, my son,
        my daughter, my aunt, my uncle, my cousin, my teacher, my roommate
        """
    ),
    "kid": items("son, daughter, niece, nephew, little brother, little sister, grandson"),
    "pet": items(
        """
        puppy, kitten, goldfish, hamster, parrot, rabbit, turtle, guinea pig, lizard, canary,
        pony, hedgehog
        """
    ),
    "pet_trait": items(
        "sleepy, playful, tiny, fluffy, loud, shy, clever, clumsy, curious, lazy, grumpy, gentle"
    ),
    "nameable": items(
        """
        band, bakery, coffee shop, podcast, boat, vegetable garden, robot, book club, soccer team,
        blog, houseplant, car, bicycle, food truck, cooking channel, board game, hiking group,
        quiz team, little bookshop, yoga studio, dog walking business, family newsletter
        """
    ),
    "poem_topic": items(
        """
        the ocean, the moon, autumn leaves, rain, my cat, coffee, Monday mornings,
        the city at night, friendship, a lazy Sunday, snow, the stars, spring flowers,
        a long train ride, the mountains, a rainy afternoon, summer, my garden, a cup of tea,
        the first day of school, an old dog, the sunrise, thunderstorms, a quiet library, pizza,
        a birthday, my grandmother's kitchen, the wind, a lighthouse, a snowy morning
        """
    ),
    "task": items(
        """
        go grocery shopping, call my mom, finish a report, go to the gym, clean the kitchen,
        walk the dog, pay some bills, study for a test, pick up my kids from school,
        water the plants, do the laundry, meet a friend for lunch, answer my emails,
        bake a cake, fix my bike, go to the bank, write a speech, return a package,
        get a haircut, prepare a presentation, mow the lawn, visit my grandmother,
        practice the piano, cook dinner for my family
        """
    ),
    "occasion": items(
        """
        a birthday party, a picnic in the park, a game night, a surprise party,
        a family reunion, a dinner party, a first date, a road trip, a rainy weekend at home,
        a team lunch, a movie night, a beach day, a camping trip, a graduation party,
        an anniversary dinner
        """
    ),
    "adjective": items(
        "brave, sleepy, clumsy, curious, tiny, grumpy, shy, clever, lonely, cheerful, forgetful"
    ),
    "creature": items(
        """
        dragon, robot, penguin, fox, mouse, bear, rabbit, turtle, cat, dog, unicorn,
        whale, frog, squirrel, snail, giraffe, hedgehog
        """
    ),
    "dream": items(
        """
        fly, learn to dance, become a chef, see the ocean, make a new friend, win a race,
        find a hidden treasure, visit the moon, sing in a band, climb a mountain, learn to read
        """
    ),
    "quiz_topic": items(
        """
        world capitals, animals, the planets, world history, spelling, math, famous paintings,
        music, geography, science, sports, food from around the world, inventions
        """
    ),
    "message": items(
        """
        thank you for the gift, happy birthday, sorry I'm late, congratulations on the new job,
        get well soon, I miss you, good luck on your exam, welcome to the team, thanks for dinner,
        sorry I forgot to call
        """
    ),
    "good": items("happy, excited, relaxed, proud, cheerful, calm, grateful, hopeful, thrilled"),
    "bad": items(
        """
        tired, sad, stressed, bored, nervous, grumpy, lonely, sleepy, anxious, overwhelmed,
        down, worried, frustrated
        """
    ),
    "reason_good": items(
        """
        it's finally the weekend, my friend is visiting, I got a new job,
        I finished a big project, my team won last night, I just moved into a new apartment,
        the sun is out, I passed my driving test, I'm going on vacation soon,
        I cooked a really nice dinner, my sister had a baby, I ran five kilometers this morning
        """
    ),
    "reason_bad": items(
        """
        I have an exam tomorrow, I didn't sleep well, it's raining again,
        I have a long day ahead, my car broke down, I have too much work, I miss my family,
        I lost my keys, my flight was canceled, I caught a cold, my team lost last night,
        I have a big presentation on Monday
        """
    ),
    "weather": items("hot, cold, windy, rainy, sunny, foggy, snowy, humid, cloudy, chilly, stormy"),
    "pair": items(
        """
        cats or dogs, tea or coffee, summer or winter, the beach or the mountains,
        books or movies, the city or the countryside, early mornings or late nights,
        sweet or salty snacks, pizza or pasta, sunrise or sunset, rain or snow, trains or planes,
        pancakes or waffles, chocolate or vanilla, board games or video games,
        running or swimming, texting or calling, cooking at home or eating out, spring or fall
        """
    ),
    "favorite": items(
        """
        color, animal, season, food, book, movie, song, holiday, day of the week, month, city,
        sport, word, planet, instrument, fruit, dessert, hobby, place in the world, board game,
        kind of music, time of day, flower, smell, ice cream flavor, breakfast
        """
    ),
    "thanks_for": items(
        """
        joke, tip, idea, recipe, story, poem, quick answer, suggestion, explanation, fun fact,
        reminder, book recommendation
        """
    ),
    "recommend": items(
        "book, movie, board game, podcast, song, card game, snack, documentary, video game"
    ),
    "situation": items(
        """
        a long flight, a rainy day, a lazy Sunday, a road trip, a family evening,
        a cold winter night, a quiet afternoon, a long train ride, a beach vacation
        """
    ),
    "name": items(
        """
        Anna, Ben, Carlos, Maria, David, Priya, Liam, Sofia, James, Emma, Noah, Olivia, Lucas,
        Mia, Omar, Yuki, Chen, Fatima, Ivan, Grace
        """
    ),
    "go_place": items("work, the gym, bed, school, the store, lunch, a meeting, the park"),
    "part_of_day": items("morning, afternoon, evening"),
    "period": items("day, evening, weekend, week, afternoon"),
    "num": items("two, three, four, five, six, seven"),
    "minutes": items("ten, fifteen, twenty, thirty"),
    "meal": items("breakfast, lunch, dinner, snack, dessert"),
    "rhyme": items("cat, moon, tree, light, blue, day, night, rain, star, heart, dream, sun"),
    "wonder": items(
        """
        why the sky is blue, where rain comes from, how birds can fly, why the ocean is salty,
        why the moon changes shape, where the sun goes at night, how plants grow from seeds,
        why leaves change color in the fall, why we need to sleep, what makes thunder so loud,
        how airplanes stay in the air, why cats purr, what stars are made of, how fish breathe,
        why we have different seasons, why ice floats
        """
    ),
    "age": items("five, six, seven, nine, ten"),
    "plant": items(
        "tomatoes, strawberries, peppers, sunflowers, cucumbers, roses, beans, carrots, tulips"
    ),
    "race": items("a five kilometer race, a ten kilometer race, a half marathon, a marathon"),
    "subject": items("history, biology, chemistry, math, physics, economics, French, geography"),
}
