"""Names the way bookkeepers type them, for generated company files (:mod:`simulator.population`).

A real customer list is not ``Customer 00001`` … ``Customer 99999``: it mixes people filed as
``Last, First``, trades (``Müller Plumbing``), partnerships (``O'Neil & Sons``), places with legal
suffixes (``Blue Ridge Roofing, Inc.``), numbers (``24/7 Locksmith``, ``A-1 Auto Body``), names
typed in capitals or without any, and Latin-1 letters (é, ü, ñ, ø, å, ç). Those are what break a
gateway's sorting, escaping and resuming, so :class:`NameMaker` produces them, seeded:

- every name is at most 41 characters (QuickBooks' ``Name`` limit), has no ``:`` (the job
  separator), no leading, trailing or doubled spaces, and only ISO-8859-1 characters — including
  after ``upper()``/``lower()`` (no ß, ÿ or µ, whose case mappings leave Latin-1);
- a FullName already taken, without regard to case, gets the next free number (``Smith, John 2``)
  as bookkeepers do, so names stay unique the way QuickBooks requires;
- jobs are named like jobs (``Kitchen Remodel``, ``Unit 4B``, ``Job #1043``) and only need to be
  unique under their parent.

Everything is drawn from the :class:`random.Random` handed in, so one seed gives one list.
"""

from __future__ import annotations

import random
import unicodedata

MAX_NAME = 41

FIRST = (
    "James", "Maria", "José", "Zoë", "Renée", "Björn", "Chloé", "Ana", "Mohammed", "Wei", "Priya",
    "Seán", "Søren", "François", "Günter", "Inés", "Lukas", "Ngozi", "Hélène", "Jürgen", "Raúl",
    "Amélie", "Kenji", "Olga", "Tomás", "Ingrid", "Dmitri", "Fatima", "Noël", "Agnès", "Pål", "Emma",
    "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mía", "Elena", "Omar", "Sofía", "Mateo", "Grace",
    "Henry", "Chidi", "Aoife", "Mårten", "Joël", "Daniël", "Zoé", "Ben", "Kate", "Sam", "Al",
)  # fmt: skip
LAST = (
    "Smith", "Müller", "Peña", "O'Neil", "García", "Nguyen", "Lefèvre", "Kowalski", "MacDonald",
    "van der Berg", "D'Angelo", "Østergaard", "Jürgens", "Ibáñez", "Schröder", "Brontë", "Åkesson",
    "Núñez", "Côté", "Johnson", "Williams", "Brown", "Jones", "Davis", "Miller", "Wilson", "Moore",
    "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Martínez",
    "Robinson", "Clark", "Rodríguez", "Lewis", "Lee", "Walker", "Hall", "Allen", "Young", "Hernández",
    "King", "Wright", "López", "Hill", "Scott", "Green", "Adams", "Baker", "González", "Nelson",
    "Carter", "Mitchell", "Pérez", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans",
    "Edwards", "Collins", "Stewart", "Sánchez", "Morris", "Rogers", "Reed", "Cook", "Morgan", "Bell",
    "Murphy", "Bailey", "Rivera", "Cooper", "Richardson", "Cox", "Howard", "Ward", "Torres", "Peterson",
    "St. John", "Smith-Jones", "de la Cruz", "McAllister", "Ó Briain", "Fernández", "Dubois", "Weiss",
)  # fmt: skip
TRADES = (
    "Plumbing", "Roofing", "Landscaping", "Electric", "Bakery", "Café", "Auto Body", "Dental",
    "Consulting", "Design Studio", "Hardware", "Floral", "Catering", "Pâtisserie", "Supply Co.",
    "Pet Grooming", "Photography", "Tailoring", "Brewing", "Law Office", "HVAC", "Painting",
    "Carpentry", "Glass & Mirror", "Locksmith", "Tire & Lube", "Crêperie", "Dry Cleaning",
    "Veterinary", "Chiropractic", "Print Shop", "Music School", "Boutique", "Deli", "Marina",
    "Pharmacy", "Tree Service", "Masonry", "Storage", "Fitness",
)  # fmt: skip
PLACES = (
    "Blue Ridge", "Harbor", "Lakeside", "North Star", "Golden Gate", "Red Oak", "Silver Creek",
    "Old Town", "Sunnyvale", "Maplewood", "Côte d'Or", "Peñasco", "Zürich", "München", "Montréal",
    "Québec", "São Paulo", "Bogotá", "Malmö", "Århus", "Riverside", "Pinecrest", "Fairview",
    "Cedar Falls", "Eastgate", "Westbrook", "Highland", "Bayview", "Summit", "Prairie", "Coastal",
    "Northwind", "Ironwood", "Clearwater", "Stonebridge", "Willow", "Granite", "Evergreen", "Mesa",
    "Crescent",
)  # fmt: skip
SUFFIXES = (
    "", "", "", ", Inc.", " Inc", " LLC", ", LLC", " Ltd.", " Co.", " & Co.", " Group", " Partners",
    " GmbH", " S.A.", " (Main St.)", " #2", " Services", " & Sons", " Bros.", " of America",
)  # fmt: skip
NUMBERED = ("{n}th Street {trade}", "A-{d} {trade}", "24/7 {trade}", "{trade} #{n}", "{n} {place} {trade}",
            "Route {n} {trade}", "{d}{d} {last}", "The {n} Club", "{place} {trade} No. {d}")  # fmt: skip
JOBS = (
    "Kitchen Remodel", "Bathroom", "Phase 2", "Office Fit-Out", "Roof Repair", "Lot {n}", "Job #{n}",
    "Warehouse", "Façade", "Garden & Patio", "Annual Service {y}", "Unit {n}B", "Basement", "Deck",
    "Smith Residence", "Retainer {y}", "Audit {y}", "New Store", "Fence", "Pool (Rear)", "Attic",
    "Window Replacement", "Maintenance", "Wedding", "Event - {y}", "Tenant Improvement", "Signage",
)  # fmt: skip
JOB_STATUSES = ("Awarded", "InProgress", "Closed", "Pending", "NotAwarded", "None")


def ascii_slug(text: str) -> str:
    """``Müller & Söhne`` → ``mullersohne``: for e-mail addresses, which stay ASCII."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in plain.lower() if char.isalnum())


def _clean(name: str) -> str:
    return " ".join(name.split()).strip(" ,&-")


class NameMaker:
    """Unique customer and job names drawn from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()
        """Casefolded FullNames in use."""
        self._next: dict[str, int] = {}
        """The next number to try after a casefolded FullName that was taken."""

    def person(self) -> tuple[str, str, str]:
        """(name, first name, last name): ``Last, First`` mostly, ``First Last`` sometimes."""
        first, last = self._rng.choice(FIRST), self._rng.choice(LAST)
        if self._rng.random() < 0.12:
            first = f"{first} {self._rng.choice('ABCDEFGHJKLMNPRSTW')}."
        base = f"{last}, {first}" if self._rng.random() < 0.7 else f"{first} {last}"
        return self.unique(self._vary(base)), first, last

    def company(self) -> str:
        rng = self._rng
        trade, place, last = rng.choice(TRADES), rng.choice(PLACES), rng.choice(LAST)
        style = rng.random()
        if style < 0.3:
            base = f"{last} {trade}"
        elif style < 0.45:
            base = f"{last} & {rng.choice(LAST)}" if rng.random() < 0.6 else f"{last} & Sons"
        elif style < 0.8:
            base = f"{place} {trade}{rng.choice(SUFFIXES)}"
        else:
            n, d = rng.randint(1, 999), rng.randint(1, 9)
            base = rng.choice(NUMBERED).format(n=n, d=d, trade=trade, place=place, last=last)
        return self.unique(self._vary(base))

    def job(self, parent_full_name: str) -> str:
        rng = self._rng
        base = rng.choice(JOBS).format(n=rng.randint(1, 2000), y=rng.randint(2019, 2025))
        return self.unique(self._vary(base, shout=0.03), parent_full_name + ":")

    def _vary(self, base: str, shout: float = 0.06) -> str:
        """Names typed in capitals (6 %) or without any (3 %), as lists really hold them."""
        roll = self._rng.random()
        if roll < shout:
            return base.upper()
        if roll < shout + 0.03:
            return base.lower()
        return base

    def unique(self, base: str, prefix: str = "") -> str:
        """``base`` cut to 41 characters, numbered if ``prefix + base`` is taken (case-insensitively)."""
        name = _clean(base[:MAX_NAME])
        key = (prefix + name).casefold()
        if key in self._taken:
            number = self._next.get(key, 2)
            while True:
                suffix = f" {number}"
                candidate = _clean(name[: MAX_NAME - len(suffix)]) + suffix
                number += 1
                if (prefix + candidate).casefold() not in self._taken:
                    break
            self._next[key] = number
            name = candidate
        self._taken.add((prefix + name).casefold())
        return name
