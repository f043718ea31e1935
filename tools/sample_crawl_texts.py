"""Word lists, sentence templates and hand-written sentences for tools.sample_crawl.

Kept apart from the generator so the generator reads as page structure. Everything here is
static data; all randomness comes from the generator's seeded RNG.
"""
from __future__ import annotations

PEOPLE = [
    "Amelia Hart", "Jonas Weber", "Priya Raman", "Tomás Ortega", "Grace Okafor", "Henrik Lund",
    "Mei Tanaka", "Daniel Brooks", "Fatima Haddad", "Lucas Moreau", "Sofia Rossi", "Owen Gallagher",
    "Nadia Petrova", "Ibrahim Saleh", "Clara Jensen", "Mateo Silva", "Hannah Fischer", "Ravi Desai",
    "Eleanor Price", "Kwame Mensah",
]
PLACES = [
    "Leeds", "Portland", "Adelaide", "Toulouse", "Bergen", "Halifax", "Tucson", "Dundee", "Kraków",
    "Valencia", "Winnipeg", "Hobart", "Graz", "Porto", "Galway", "Boulder", "Utrecht", "Nagano",
    "Asheville", "Ljubljana",
]
USERNAMES = [
    "bitwise_owl", "quietcoder", "lambda_lena", "mfrost", "dr_tangent", "null_pointer_pete", "orbitalmechanic",
    "sarah.k", "jkl_dev", "proofreader42", "tensor_tom", "hexadecimal_hannah", "kettle", "old_greg",
    "sigma_sam", "rustacean_ro", "prime_suspect", "ducktyper", "vectorvera", "modulo_mo",
]

# English prose: one entry per topic. The facts are hand-written; templates mix in the lexicon.
TOPICS = {
    "astronomy": {
        "titles": ["A beginner's guide to {adj} night skies", "What {person} learned from ten years of stargazing",
                   "Why the {noun} matters more than your telescope"],
        "nouns": ["telescope", "eyepiece", "star chart", "meteor shower", "nebula", "eclipse", "observatory",
                  "binocular mount", "light pollution map", "planisphere", "red torch", "finder scope"],
        "adjs": ["dark", "clear", "patient", "faint", "bright", "seasonal", "moonless", "steady"],
        "verbs": ["observe", "track", "photograph", "sketch", "locate", "record"],
        "facts": [
            "Your eyes need about twenty minutes in the dark before they reach their full sensitivity.",
            "The Andromeda galaxy is the most distant object most people can see without any optical aid.",
            "A pair of ordinary binoculars will show the moons of Jupiter as tiny points of light.",
            "Planets usually shine with a steady light, while stars near the horizon tend to twinkle.",
            "Meteor showers happen when the Earth passes through the debris left behind by a comet.",
            "Amateur observers still contribute real data, especially on variable stars and comets.",
            "The best observing nights often come right after a cold front has cleared the haze away.",
        ],
    },
    "gardening": {
        "titles": ["Growing {adj} vegetables on a small balcony", "The {noun} mistake almost every new gardener makes",
                   "How {person} turned a clay lawn into a kitchen garden"],
        "nouns": ["compost heap", "raised bed", "seed tray", "trellis", "mulch", "watering can", "cold frame",
                  "tomato plant", "soil test", "pruning saw", "rain barrel", "cutting"],
        "adjs": ["heavy", "sandy", "shaded", "sunny", "organic", "hardy", "drought-tolerant", "early"],
        "verbs": ["prune", "transplant", "water", "harvest", "sow", "divide"],
        "facts": [
            "Most vegetables need at least six hours of direct sunlight to produce a decent crop.",
            "A thick layer of mulch keeps the soil moist and smothers many weeds before they start.",
            "Clay soil holds nutrients well but drains slowly, so it benefits from plenty of organic matter.",
            "Watering deeply once or twice a week encourages roots to grow down instead of staying shallow.",
            "Crop rotation reduces the build-up of pests and diseases that target one plant family.",
            "Seedlings raised indoors should be hardened off for a week before they go into the ground.",
            "Bees visit flowers in the morning, so that is the worst time to spray anything at all.",
        ],
    },
    "baking": {
        "titles": ["Sourdough without the stress: a {adj} routine", "Why your {noun} keeps failing",
                   "Notes from {person}'s bakery in {place}"],
        "nouns": ["starter", "proofing basket", "dough", "crust", "crumb", "bench scraper", "oven stone",
                  "levain", "loaf", "flour blend", "dutch oven", "kitchen scale"],
        "adjs": ["wholemeal", "hydrated", "crusty", "tangy", "rustic", "open", "dense", "overnight"],
        "verbs": ["knead", "shape", "score", "proof", "bake", "fold"],
        "facts": [
            "A kitchen scale is far more reliable than measuring flour by the cup.",
            "Higher hydration doughs give a more open crumb but are harder to shape by hand.",
            "Salt slows fermentation slightly and tightens the gluten network in the dough.",
            "A loaf is properly baked when the base sounds hollow after a firm tap.",
            "Cold fermentation in the fridge develops flavour and makes the schedule far more flexible.",
            "Steam during the first part of the bake lets the crust stay soft long enough to expand.",
            "Letting bread cool completely before slicing keeps the crumb from turning gummy.",
        ],
    },
    "cycling": {
        "titles": ["Commuting by bike through a {adj} winter", "Choosing the right {noun} for long rides",
                   "{person} on touring across the hills near {place}"],
        "nouns": ["chain", "saddle", "pannier", "derailleur", "tyre pressure", "helmet", "rear light",
                  "cassette", "handlebar bag", "brake pad", "frame", "cycle lane"],
        "adjs": ["wet", "hilly", "long", "lightweight", "steel", "reliable", "busy", "gravel"],
        "verbs": ["adjust", "clean", "replace", "inflate", "service", "tighten"],
        "facts": [
            "Correct tyre pressure makes a bigger difference to comfort than an expensive frame.",
            "A chain that is cleaned and oiled every few weeks will outlast a neglected one by months.",
            "Bright lights at the front and back are required by law after dark in most countries.",
            "Saddle height is about right when your knee is slightly bent at the bottom of the stroke.",
            "Riding in a lower gear up hills protects the knees and saves energy for later.",
            "Disc brakes stop far more reliably in the rain than rim brakes on old wheels.",
            "Touring cyclists usually carry weight low on the front and rear racks for stability.",
        ],
    },
    "finance": {
        "titles": ["A {adj} budget that actually survives the month", "The quiet cost of every {noun}",
                   "What {person} wishes someone had said about saving"],
        "nouns": ["budget", "emergency fund", "index fund", "credit card", "pension", "mortgage", "interest rate",
                  "spending log", "subscription", "savings account", "tax return", "payslip"],
        "adjs": ["simple", "realistic", "monthly", "flexible", "boring", "automatic", "long-term", "cautious"],
        "verbs": ["track", "reduce", "review", "automate", "compare", "cancel"],
        "facts": [
            "An emergency fund covering three to six months of expenses prevents most small crises from becoming debt.",
            "Compound interest works in both directions, which is why credit card balances grow so quickly.",
            "Low-cost index funds have beaten most actively managed funds over long periods.",
            "Automating a transfer on payday makes saving the default rather than an afterthought.",
            "Reviewing subscriptions once a year usually uncovers at least one forgotten payment.",
            "Paying off the debt with the highest interest rate first saves the most money overall.",
            "A written budget is less about restriction and more about deciding in advance.",
        ],
    },
    "castles": {
        "titles": ["The {adj} history of hill forts and castles", "How a medieval {noun} was really built",
                   "{person} on the ruins outside {place}"],
        "nouns": ["keep", "curtain wall", "moat", "gatehouse", "drawbridge", "arrow slit", "bailey", "siege tower",
                  "portcullis", "battlement", "great hall", "well shaft"],
        "adjs": ["ruined", "Norman", "defensive", "stone", "timber", "besieged", "royal", "crumbling"],
        "verbs": ["build", "defend", "excavate", "restore", "survey", "besiege"],
        "facts": [
            "Many early castles were built of earth and timber and only later rebuilt in stone.",
            "A well inside the walls was essential, because a siege could last for many months.",
            "Concentric designs forced attackers to breach two separate rings of walls.",
            "The great hall was the social centre of a castle, used for meals, courts and celebrations.",
            "Gunpowder artillery made tall stone walls far less useful by the sixteenth century.",
            "Archaeologists often learn more from a castle's rubbish pits than from its towers.",
            "Spiral staircases were not always built to favour right-handed defenders, despite the legend.",
        ],
    },
    "networking": {
        "titles": ["Fixing a {adj} home network, one step at a time", "Do you really need a new {noun}?",
                   "{person}'s checklist for a reliable home lab"],
        "nouns": ["router", "access point", "ethernet cable", "firmware update", "DNS server", "mesh node",
                  "network switch", "guest network", "firewall rule", "IP address", "modem", "VPN"],
        "adjs": ["slow", "flaky", "wired", "wireless", "secure", "crowded", "stable", "cheap"],
        "verbs": ["configure", "reboot", "update", "isolate", "monitor", "segment"],
        "facts": [
            "A wired connection is still the easiest way to rule out wireless interference as the cause.",
            "Routers placed inside cupboards or behind televisions lose a surprising amount of range.",
            "Changing the default administrator password is the single most useful security step.",
            "The five gigahertz band is faster over short distances but passes through walls poorly.",
            "Firmware updates often fix security holes that were published months earlier.",
            "A guest network keeps visitors' devices away from your printers and file shares.",
            "Most slow connections turn out to be a problem with one device rather than the whole line.",
        ],
    },
    "birds": {
        "titles": ["Birdwatching in {adj} weather", "The {noun} every birder should own",
                   "A morning at the estuary near {place}"],
        "nouns": ["field guide", "spotting scope", "bird feeder", "nest box", "hide", "notebook", "migration route",
                  "wader", "song recording", "binocular strap", "estuary", "hedgerow"],
        "adjs": ["early", "foggy", "quiet", "coastal", "migratory", "patient", "windy", "rare"],
        "verbs": ["identify", "count", "record", "photograph", "listen for", "follow"],
        "facts": [
            "Most birds are easier to find by their song than by sight, especially in thick woodland.",
            "The hour after sunrise is usually the busiest time of day for small songbirds.",
            "Feeders should be cleaned regularly to stop diseases spreading between visiting birds.",
            "Waders on an estuary feed most actively on a rising or falling tide.",
            "Keeping a simple notebook of sightings turns casual walks into useful records.",
            "Migrating birds often stop at the same coastal sites year after year.",
            "A nest box facing away from the prevailing wind and strong afternoon sun works best.",
        ],
    },
    "transit": {
        "titles": ["What makes a {adj} bus network work", "The hidden economics of the {noun}",
                   "{person} on rebuilding transit in {place}"],
        "nouns": ["bus lane", "timetable", "tram line", "ticket system", "interchange", "depot", "ridership survey",
                  "frequent network", "park and ride", "signal priority", "route map", "fare cap"],
        "adjs": ["frequent", "reliable", "regional", "crowded", "underfunded", "simple", "electric", "late-night"],
        "verbs": ["plan", "fund", "redesign", "extend", "simplify", "measure"],
        "facts": [
            "Frequency matters more to most riders than top speed, because waiting time dominates short trips.",
            "A simple grid of frequent routes is often more useful than many winding, infrequent ones.",
            "Bus lanes are among the cheapest ways to make public transport faster and more reliable.",
            "Fare capping lets occasional riders pay as they go without losing money compared with a pass.",
            "Most transit trips start or end with a walk, so pavements and crossings matter too.",
            "Night services are used heavily by shift workers who have no other way home.",
            "Ridership usually follows reliability: people stop trusting a service that often fails them.",
        ],
    },
    "coffee": {
        "titles": ["Brewing {adj} coffee at home", "Is an expensive {noun} worth it?",
                   "{person}'s notes from a roastery in {place}"],
        "nouns": ["grinder", "pour-over cone", "espresso machine", "roast profile", "bean", "kettle", "filter paper",
                  "water ratio", "tasting note", "burr set", "french press", "scale"],
        "adjs": ["fresh", "light", "bitter", "balanced", "fruity", "dark", "single-origin", "cheap"],
        "verbs": ["grind", "brew", "taste", "roast", "dial in", "store"],
        "facts": [
            "A good burr grinder improves coffee more than almost any other piece of equipment.",
            "Beans taste best within a few weeks of roasting and should be kept away from air and light.",
            "Water just off the boil extracts flavour evenly without scorching the grounds.",
            "A ratio of about one gram of coffee to sixteen grams of water is a sensible starting point.",
            "Sourness usually means under-extraction, while harsh bitterness points to over-extraction.",
            "Hard water leaves scale in machines and can flatten the taste of delicate coffees.",
            "Light roasts keep more of the origin character, while dark roasts taste more of the roast itself.",
        ],
    },
}

# Generic sentence templates; {noun}, {noun2}, {adj}, {verb}, {person}, {place}, {year}, {number}, {topic}.
TEMPLATES = [
    "Most people who start with {topic} underestimate how much the {noun} matters.",
    "In {year}, a small group in {place} began experimenting with a {adj} {noun}.",
    "{person} once told me that the secret is patience with the {noun}.",
    "If you only remember one thing, remember that a {adj} {noun} beats an expensive {noun2}.",
    "There are at least {number} ways to approach the {noun}, and none of them is perfect.",
    "I spent most of last spring trying to {verb} the {noun}, with mixed results.",
    "The {noun2} is often blamed, but the real problem is usually a {adj} {noun}.",
    "When I asked around in {place}, nobody agreed on the best way to {verb} a {noun}.",
    "A {adj} {noun} is not glamorous, yet it quietly decides whether the rest works.",
    "It took me {number} attempts before I learned to {verb} the {noun} properly.",
    "The standard advice is to {verb} the {noun} first and worry about the {noun2} later.",
    "According to {person}, the {noun} deserves far more attention than it gets.",
    "Readers from {place} wrote in to say that a {adj} {noun2} changed everything for them.",
    "Do not buy a new {noun2} until you have learned to {verb} the one you already have.",
    "Back in {year}, almost nobody thought twice about the {noun}.",
    "My neighbour, who has done this for {number} years, swears by a {adj} {noun}.",
    "Some of the best lessons come from the {noun} that went wrong.",
    "You can {verb} a {noun} in an afternoon, but getting it right takes a season.",
    "Why does the {noun} cause so much confusion? Partly because the advice online contradicts itself.",
    "Here is what finally worked: {verb} the {noun}, wait, and check the {noun2} again.",
    "A friend in {place} keeps a log of every {noun}, and the notes are fascinating.",
    "Nobody enjoys the {adj} part, but skipping it means the {noun2} suffers.",
    "Compared with a {noun2}, the {noun} is cheap, simple and easy to replace.",
    "The surprising thing about {topic} is how little the expensive gear matters.",
    "Over {number} weeks I kept track of the {noun}, and the pattern was obvious in hindsight.",
    "Even experts like {person} still {verb} the {noun} by hand now and then.",
    "If the {noun} looks {adj}, stop and find out why before going further.",
    "The local club in {place} meets every month to {verb} and compare notes.",
    "Forget the marketing: a {adj} {noun} does the job for most people.",
    "What changed my mind was watching {person} {verb} a {noun} in under ten minutes.",
    "That winter of {year} taught a whole generation to respect the {noun}.",
    "Start small, {verb} one {noun} at a time, and write down what happens.",
]

# Paragraph openers for variety (no slots).
TRANSITIONS = [
    "To be fair,", "Of course,", "In practice,", "That said,", "Looking back,", "For what it is worth,",
    "On the other hand,", "Strangely enough,", "In my experience,", "As a rule,",
]

# Real sentences in other languages (templates with a few slots: {person}, {place}, {number}, {year}).
FOREIGN = {
    "fr": {
        "titles": ["Une promenade à {place}", "Les conseils de {person} pour bien cuisiner", "Souvenirs de l'été {year}"],
        "sentences": [
            "Le marché du samedi matin attire des habitants de tout le quartier.",
            "{person} prépare une soupe de légumes chaque dimanche pour toute la famille.",
            "La ville de {place} est connue pour ses ruelles étroites et ses petites places ombragées.",
            "Nous avons marché pendant {number} heures le long de la rivière avant de trouver un café ouvert.",
            "Il faut laisser reposer la pâte au moins une heure avant de la mettre au four.",
            "Les enfants du village apprennent à nager dans le lac dès l'âge de six ans.",
            "En {year}, la bibliothèque municipale a ouvert une nouvelle salle de lecture.",
            "Le train régional part toutes les trente minutes, sauf le dimanche après-midi.",
            "Ma grand-mère disait toujours qu'un bon repas commence par de bons produits.",
            "Le vent du nord a soufflé toute la nuit et a fait tomber les dernières feuilles.",
            "Les musées sont gratuits le premier dimanche du mois, ce qui attire beaucoup de monde.",
            "On trouve encore des artisans qui réparent les vélos et les montres à la main.",
            "Après la pluie, les chemins de la forêt deviennent glissants et pleins de boue.",
            "Le festival de musique réunit chaque année plus de {number} mille spectateurs.",
            "Il est conseillé de réserver une table, surtout le vendredi soir.",
            "Les pêcheurs rentrent au port en fin d'après-midi avec leurs caisses de poissons.",
        ],
    },
    "de": {
        "titles": ["Ein Wochenende in {place}", "{person} über das Wandern in den Bergen", "Erinnerungen an den Winter {year}"],
        "sentences": [
            "Der Bäcker an der Ecke öffnet schon um sechs Uhr morgens.",
            "{person} fährt jeden Tag mit dem Fahrrad zur Arbeit, auch bei Regen.",
            "In {place} gibt es einen kleinen Markt, auf dem Bauern ihr Gemüse verkaufen.",
            "Wir sind {number} Stunden gewandert, bevor wir die Hütte am See erreicht haben.",
            "Im Herbst färben sich die Blätter im Stadtpark rot und gelb.",
            "Die Bibliothek hat im Jahr {year} ihre Öffnungszeiten deutlich verlängert.",
            "Der Zug nach München hatte wieder einmal zwanzig Minuten Verspätung.",
            "Meine Großmutter hat jeden Sonntag einen Apfelkuchen für die ganze Familie gebacken.",
            "Nach dem Gewitter war die Luft frisch und die Straßen glänzten im Licht.",
            "Viele Studenten arbeiten neben dem Studium in Cafés oder Buchhandlungen.",
            "Das Museum zeigt eine Ausstellung über die Geschichte der Schifffahrt auf dem Rhein.",
            "Am Wochenende treffen sich die Nachbarn zum Grillen im gemeinsamen Garten.",
            "Es lohnt sich, die Fahrkarte einige Tage vor der Reise online zu kaufen.",
            "Im Winter liegt in den Bergen oft mehr als ein Meter Schnee.",
            "Das Konzert im Dom war ausverkauft, obwohl es fast {number} Euro kostete.",
            "Die Kinder spielen nach der Schule am liebsten auf dem Spielplatz am Fluss.",
        ],
    },
    "es": {
        "titles": ["Un paseo por {place}", "Las recetas de {person}", "Recuerdos del verano de {year}"],
        "sentences": [
            "El mercado central abre todos los días excepto el domingo.",
            "{person} cocina una paella enorme cada vez que vienen sus primos.",
            "En {place} las calles se llenan de gente cuando empieza a bajar el calor.",
            "Caminamos {number} horas por la sierra antes de llegar al pueblo.",
            "La biblioteca del barrio organiza talleres de lectura para niños los sábados.",
            "En {year} se inauguró el nuevo puente sobre el río.",
            "Mi abuela siempre decía que el secreto de una buena tortilla es la paciencia.",
            "El autobús pasa cada quince minutos, pero por la noche hay que esperar más.",
            "Después de la lluvia, el olor a tierra mojada llenaba toda la plaza.",
            "Muchos estudiantes trabajan los fines de semana en bares y restaurantes.",
            "El museo de la ciudad tiene una colección muy interesante de cerámica antigua.",
            "Los vecinos se reúnen en la plaza para celebrar las fiestas del verano.",
            "Conviene reservar mesa con antelación, sobre todo los viernes por la noche.",
            "En invierno las montañas se cubren de nieve y atraen a muchos esquiadores.",
            "El concierto duró casi {number} horas y nadie quería que terminara.",
            "Los pescadores vuelven al puerto al atardecer con las cajas llenas.",
        ],
    },
    "zh": {
        "titles": ["在{place}的周末", "{person}的家常菜", "{year}年的夏天"],
        "sentences": [
            "每天早上，公园里都有很多老人在打太极拳。",
            "{person}每个星期天都会给全家人包饺子。",
            "{place}的老街上有很多小吃店，晚上特别热闹。",
            "我们走了{number}个小时的山路，终于看到了山顶的寺庙。",
            "这家图书馆在{year}年扩建以后，每天都有很多学生来自习。",
            "下过雨以后，空气变得非常清新。",
            "我奶奶常说，做菜最重要的是用新鲜的食材。",
            "地铁每隔五分钟就有一班，上下班的时候人非常多。",
            "周末的时候，很多家庭会带孩子去博物馆参观。",
            "这座城市的夜景很美，河边总是有很多散步的人。",
            "秋天的时候，山上的树叶都变成了红色和黄色。",
            "他一边学习一边在咖啡店打工，生活虽然很忙但是很充实。",
            "春节前，大家都忙着打扫房子，准备年夜饭。",
            "这家小面馆已经开了{number}年，味道一直没有变。",
            "如果你想去那里旅游，最好提前一个星期买火车票。",
        ],
    },
    "ru": {
        "titles": ["Выходные в {place}", "{person} о походах в горы", "Воспоминания о зиме {year} года"],
        "sentences": [
            "Каждое утро в парке можно встретить людей, которые бегают вдоль реки.",
            "{person} по воскресеньям печёт пироги для всей семьи.",
            "В {place} есть старый рынок, где продают мёд, овощи и свежий хлеб.",
            "Мы шли по лесу {number} часа, прежде чем увидели озеро.",
            "В {year} году в городе открыли новую библиотеку с большим читальным залом.",
            "После дождя улицы блестели в свете фонарей.",
            "Моя бабушка всегда говорила, что хороший обед начинается с хороших продуктов.",
            "Электричка отправляется каждые полчаса, но по выходным реже.",
            "Зимой на даче снега бывает почти по пояс.",
            "Многие студенты подрабатывают по вечерам в кафе и книжных магазинах.",
            "В музее сейчас проходит выставка, посвящённая истории речного флота.",
            "Летом соседи часто собираются во дворе, чтобы поиграть в шахматы.",
            "Билеты на поезд лучше покупать заранее, особенно перед праздниками.",
            "Этот маленький ресторан работает уже {number} лет и всегда полон гостей.",
            "Осенью в лесу много грибов, и все едут за город с корзинами.",
        ],
    },
}

# Boilerplate around articles: navigation, ads, cookie banners, sidebars, footers.
NAV_ITEMS = ["Home", "News", "Reviews", "Guides", "Deals", "Podcasts", "Newsletter", "About us", "Contact",
             "Careers", "Advertise", "Shop", "Events", "Forum", "Log in", "Subscribe"]
ADS = [
    "Sponsored: Save 40% on premium kitchen knives this weekend only. Shop now!",
    "Advertisement: Compare car insurance quotes in under two minutes.",
    "Sponsored content: This one trick helps thousands sleep better. Learn more.",
    "Ad: Book your summer holiday today and get free airport parking.",
    "Promoted: The laptop everyone is talking about is back in stock.",
]
COOKIE_BANNERS = [
    "We use cookies to improve your experience, show personalised ads and analyse traffic. "
    "By clicking Accept all you agree to our use of cookies. Accept all | Reject | Manage preferences",
    "This website stores cookies on your computer. These cookies are used to collect information about how you "
    "interact with our website. Accept | Decline | Cookie settings",
]
SIDEBAR = ["Most popular", "Trending now", "You might also like", "Related stories", "Editor's picks"]
FOOTER = [
    "© {year} Example Media Group. All rights reserved.", "Privacy policy", "Terms of use", "Cookie policy",
    "Accessibility", "Do not sell my personal information", "Sitemap",
]
HEADLINES = [
    "Ten gadgets under fifty pounds", "Local council approves new cycle path", "The best podcasts of the month",
    "Weather warning issued for the weekend", "Why everyone is talking about sourdough again",
    "How to pick a good mattress", "Interview: the chef behind the city's busiest restaurant",
    "Five mistakes to avoid when renting", "Our favourite walks near the coast",
]

# Spam: keyword stuffing and repeated lines.
SPAM_KEYWORDS = [
    "cheap flights", "best price", "buy now", "free shipping", "discount code", "casino bonus", "win big",
    "lowest price guaranteed", "online pharmacy", "make money fast", "work from home", "crypto signals",
]
SPAM_LINES = [
    "CLICK HERE for the BEST DEALS online!!!",
    "Limited offer, buy now, buy now, buy now!",
    "Best price guaranteed best price guaranteed best price guaranteed.",
    "Visit our shop for cheap cheap cheap products.",
    "Make money fast from home, no experience needed!!!",
]

# Low-quality English pages that quality rules should catch.
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip "
    "ex ea commodo consequat."
)
JS_WARNINGS = [
    "Please enable JavaScript to view this page.",
    "This site requires JavaScript. Please turn on JavaScript in your browser settings.",
]
THIN_PAGES = [
    "Page under construction. Check back soon!", "Coming soon.", "Welcome to my homepage. More content later.",
    "Nothing here yet.", "Photos from the trip", "Error: the page you requested could not be displayed.",
]

# Code pages: Python snippets with slots, and a few in other languages.
CODE_SNIPPETS = {
    "python": [
        ("Reading a CSV file and summing a column", '''import csv

def total(path, column="{name}"):
    """Sum one numeric column of a CSV file."""
    with open(path, newline="") as f:
        return sum(float(row[column]) for row in csv.DictReader(f))

print(total("{file}.csv"))'''),
        ("Counting words with collections.Counter", '''from collections import Counter

text = open("{file}.txt").read().lower().split()
counts = Counter(text)
for word, n in counts.most_common({n}):
    print(f"{{word:>12}} {{n}}")'''),
        ("A tiny retry decorator", '''import functools
import time

def retry(times={n}, delay=0.{n}):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except OSError:
                    time.sleep(delay * (attempt + 1))
            return fn(*args, **kwargs)
        return inner
    return wrap'''),
        ("Binary search on a sorted list", '''def binary_search(items, target):
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1

print(binary_search(list(range(0, {n}00, 3)), {m}))'''),
        ("Fetching JSON with the standard library", '''import json
import urllib.request

def fetch(url, timeout={n}):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)

data = fetch("https://api.example.org/{name}")
print(len(data))'''),
        ("A dataclass with validation", '''from dataclasses import dataclass

@dataclass(frozen=True)
class {cls}:
    name: str
    quantity: int = {n}

    def __post_init__(self):
        if self.quantity < 0:
            raise ValueError("quantity must be non-negative")'''),
        ("Memoised Fibonacci", '''from functools import lru_cache

@lru_cache(maxsize=None)
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)

print([fib(i) for i in range({n}{m})])'''),
        ("Walking a directory tree", '''from pathlib import Path

def largest_files(root, n={n}):
    files = [p for p in Path(root).rglob("*") if p.is_file()]
    return sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:n]

for path in largest_files("{file}"):
    print(path)'''),
    ],
    "javascript": [
        ("Debouncing an input handler", '''function debounce(fn, wait = {n}00) {{
  let timer;
  return (...args) => {{
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  }};
}}

document.querySelector("#{name}").addEventListener("input", debounce(search));'''),
    ],
    "bash": [
        ("Backing up a folder with a date stamp", '''#!/usr/bin/env bash
set -euo pipefail
stamp=$(date +%Y-%m-%d)
tar -czf "backup-{name}-$stamp.tar.gz" "$HOME/{file}"
find . -name "backup-{name}-*.tar.gz" -mtime +{n} -delete'''),
    ],
    "cpp": [
        ("Reading numbers and printing their mean", '''#include <iostream>
#include <vector>

int main() {{
    std::vector<double> xs;
    double x;
    while (std::cin >> x) xs.push_back(x);
    double sum = 0;
    for (double v : xs) sum += v;
    std::cout << (xs.empty() ? 0 : sum / xs.size()) << "\\n";
    return {m} - {m};
}}'''),
    ],
}
CODE_NAMES = ["amount", "price", "score", "total", "weight", "distance", "duration", "visits"]
CODE_FILES = ["data", "report", "sales_2023", "measurements", "logs", "inventory", "notes", "export"]
CODE_CLASSES = ["Order", "Item", "Sensor", "Booking", "Invoice", "Reading"]
CODE_PROSE = [
    "This snippet comes up often enough that I keep it in a gist.",
    "It is short, but it handles the edge cases that tripped me up the first time.",
    "Run it with a recent interpreter; nothing outside the standard library is needed.",
    "The important line is the one in the middle; everything else is set-up.",
    "I have used a version of this in production for a couple of years without trouble.",
    "Feel free to adapt it, and let me know in the comments if you find a bug.",
    "Note how the function does one thing and returns early on the simple case.",
    "A common mistake is to forget the base case, which makes the program loop forever.",
]
