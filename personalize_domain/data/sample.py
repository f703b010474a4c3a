"""Deterministic sample shop data: interactions, items and users CSVs shaped like a real store.

Item popularity is long-tailed (Zipf-like), browsing happens in sessions that stay mostly in one
category, some sessions end in a purchase, and items have companions that are often bought in the
same basket, so every ECOMMERCE use case has signal. The same seed gives the same bytes. Rows are
generated and written in chunks, so memory stays flat: about 100 MB for a 250 MB benchmark file,
most of it the user and item tables.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from personalize_domain.schemas import SCHEMAS_DIR, DatasetType, load_schema

T = TypeVar("T")

DEFAULT_SEED = 42
# The committed sample: well above every use case's minimum and AWS's quality advice.
DEFAULT_INTERACTIONS = 60_000
WINDOW_START = datetime(2025, 1, 1, tzinfo=UTC)
WINDOW_DAYS = 181
# Interactions per user and per item when their counts are derived from the file size.
_INTERACTIONS_PER_USER = 35
_INTERACTIONS_PER_ITEM = 25
_MIN_USERS = 1500
_MIN_ITEMS = 800
_MAX_ITEMS = 50_000
# Calibrated on the generator's own output (View/Purchase mix, ID widths); used only to size the
# user and item tables for an --interactions-mb target.
_BYTES_PER_INTERACTION = 36
_FLUSH_ROWS = 50_000

# L1 -> L2 -> L3, with a typical price for the L2 (currency units).
_CATALOGUE: dict[str, dict[str, tuple[float, tuple[str, ...]]]] = {
    "apparel": {
        "tops": (29.0, ("t-shirts", "shirts", "sweaters", "hoodies")),
        "bottoms": (45.0, ("jeans", "chinos", "shorts", "skirts")),
        "outerwear": (120.0, ("rain-jackets", "parkas", "vests")),
    },
    "footwear": {
        "sneakers": (85.0, ("running", "court", "trail")),
        "boots": (140.0, ("hiking", "chelsea", "winter")),
        "sandals": (35.0, ("slides", "sport-sandals")),
    },
    "electronics": {
        "phones": (650.0, ("smartphones", "feature-phones")),
        "phone-accessories": (19.0, ("cases", "chargers", "screen-protectors", "cables")),
        "audio": (120.0, ("headphones", "earbuds", "speakers")),
        "computers": (1100.0, ("laptops", "tablets")),
    },
    "home": {
        "kitchen": (39.0, ("cookware", "knives", "storage", "coffee")),
        "bedding": (60.0, ("sheets", "pillows", "duvets")),
        "decor": (25.0, ("candles", "frames", "vases")),
    },
    "beauty": {
        "skincare": (24.0, ("cleansers", "moisturisers", "serums", "sunscreen")),
        "haircare": (14.0, ("shampoo", "conditioner", "styling")),
        "fragrance": (70.0, ("eau-de-parfum", "eau-de-toilette")),
    },
    "sports": {
        "fitness": (45.0, ("yoga-mats", "dumbbells", "resistance-bands")),
        "cycling": (55.0, ("helmets", "lights", "bottles")),
        "camping": (90.0, ("tents", "sleeping-bags", "stoves")),
    },
    "toys": {
        "building": (40.0, ("bricks", "magnetic-tiles")),
        "games": (28.0, ("board-games", "puzzles", "card-games")),
    },
    "grocery": {
        "pantry": (6.0, ("pasta", "sauces", "snacks", "tea")),
        "beverages": (9.0, ("coffee-beans", "juice", "wine")),
    },
}
# Categories whose items are bought alongside each other (a phone with a case, a tent with a stove).
_COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "phones": ("phone-accessories", "audio"),
    "computers": ("phone-accessories", "audio"),
    "tops": ("bottoms", "sneakers"),
    "bottoms": ("tops", "boots"),
    "outerwear": ("boots", "tops"),
    "sneakers": ("fitness", "tops"),
    "boots": ("outerwear", "camping"),
    "camping": ("cycling", "boots"),
    "kitchen": ("pantry", "beverages"),
    "pantry": ("beverages", "kitchen"),
    "skincare": ("haircare", "fragrance"),
}
# Relative share of catalogue and traffic per L1.
_L1_WEIGHTS = {
    "apparel": 22,
    "footwear": 12,
    "electronics": 14,
    "home": 16,
    "beauty": 12,
    "sports": 10,
    "toys": 6,
    "grocery": 8,
}
_ADJECTIVES = (
    "classic", "everyday", "premium", "compact", "bestselling", "new-season", "essential",
    "limited-edition", "lightweight", "durable",
)  # fmt: skip
_MATERIALS = {
    "apparel": ("organic cotton", "merino wool", "linen", "recycled polyester", "denim"),
    "footwear": ("leather", "suede", "recycled mesh", "canvas"),
    "electronics": ("aluminium", "matte black", "silver", "graphite"),
    "home": ("stainless steel", "ceramic", "oak", "linen", "glass"),
    "beauty": ("fragrance-free", "vegan", "dermatologist-tested", "travel-size"),
    "sports": ("recycled", "aluminium", "ripstop", "foldable"),
    "toys": ("wooden", "family", "travel", "award-winning"),
    "grocery": ("organic", "fair-trade", "Italian", "small-batch"),
}
# What a CATEGORY_L3 value sells, for the descriptions.
_PRODUCTS = {
    "t-shirts": "T-shirt", "shirts": "shirt", "sweaters": "sweater", "hoodies": "hoodie",
    "jeans": "pair of jeans", "chinos": "pair of chinos", "shorts": "pair of shorts",
    "skirts": "skirt", "rain-jackets": "rain jacket", "parkas": "parka", "vests": "vest",
    "running": "running shoe", "court": "court sneaker", "trail": "trail running shoe",
    "hiking": "hiking boot", "chelsea": "Chelsea boot", "winter": "winter boot",
    "slides": "slide sandal", "sport-sandals": "sport sandal", "smartphones": "smartphone",
    "feature-phones": "feature phone", "cases": "phone case", "chargers": "fast charger",
    "screen-protectors": "screen protector", "cables": "charging cable",
    "headphones": "pair of headphones", "earbuds": "pair of wireless earbuds",
    "speakers": "Bluetooth speaker", "laptops": "laptop", "tablets": "tablet",
    "cookware": "frying pan", "knives": "chef's knife", "storage": "storage jar set",
    "coffee": "pour-over coffee set", "sheets": "fitted sheet", "pillows": "pillow",
    "duvets": "duvet", "candles": "scented candle", "frames": "picture frame", "vases": "vase",
    "cleansers": "face cleanser", "moisturisers": "moisturiser", "serums": "vitamin C serum",
    "sunscreen": "SPF 50 sunscreen", "shampoo": "shampoo", "conditioner": "conditioner",
    "styling": "styling cream", "eau-de-parfum": "eau de parfum",
    "eau-de-toilette": "eau de toilette", "yoga-mats": "yoga mat",
    "dumbbells": "pair of dumbbells", "resistance-bands": "resistance band set",
    "helmets": "cycling helmet", "lights": "bike light set", "bottles": "water bottle",
    "tents": "two-person tent", "sleeping-bags": "sleeping bag", "stoves": "camping stove",
    "bricks": "building brick set", "magnetic-tiles": "magnetic tile set",
    "board-games": "board game", "puzzles": "1000-piece puzzle", "card-games": "card game",
    "pasta": "bronze-cut pasta", "sauces": "tomato sauce", "snacks": "snack mix",
    "tea": "loose-leaf tea", "coffee-beans": "bag of coffee beans",
    "juice": "cold-pressed juice", "wine": "bottle of red wine",
}  # fmt: skip
_BENEFITS = (
    "Easy to clean, built to last.",
    "Ships in plastic-free packaging.",
    "Rated 4.7 out of 5 by shoppers who bought it.",
    "Free returns, no questions asked.",
    "Backed by a two-year warranty.",
    "Pairs well with the rest of the collection.",
    "Designed and tested in Lisbon.",
    "Now in three new colours.",
)
# (value, relative weight); an empty value is a null in the nullable column.
_TIERS: dict[str, float] = {"bronze": 55, "silver": 28, "gold": 13, "platinum": 4}
_TIER_ACTIVITY = {"bronze": 1.0, "silver": 1.5, "gold": 2.4, "platinum": 3.5}
_AGE_GROUPS: dict[str, float] = {
    "18-24": 14, "25-34": 27, "35-44": 24, "45-54": 17, "55-64": 11, "65+": 7,
}  # fmt: skip
_GENDERS: dict[str, float] = {"female": 48, "male": 44, "non-binary": 2, "": 6}


@dataclass(frozen=True)
class SampleSpec:
    """What to generate. Give `interactions` (rows) or `interactions_bytes` (file size)."""

    seed: int = DEFAULT_SEED
    interactions: int | None = DEFAULT_INTERACTIONS
    interactions_bytes: int | None = None
    users: int | None = None
    items: int | None = None

    def target_rows(self) -> int:
        if self.interactions is not None:
            return self.interactions
        if self.interactions_bytes is not None:
            return max(1, self.interactions_bytes // _BYTES_PER_INTERACTION)
        raise ValueError("SampleSpec needs interactions or interactions_bytes.")

    def user_count(self) -> int:
        return self.users or max(_MIN_USERS, self.target_rows() // _INTERACTIONS_PER_USER)

    def item_count(self) -> int:
        derived = min(_MAX_ITEMS, self.target_rows() // _INTERACTIONS_PER_ITEM)
        return self.items or max(_MIN_ITEMS, derived)


@dataclass(frozen=True)
class SampleFiles:
    interactions: Path
    items: Path
    users: Path
    interaction_rows: int
    view_events: int
    purchase_events: int


@dataclass(frozen=True)
class _Item:
    item_id: str
    l1: str
    l2: str
    l3: str
    price: float


def write_sample(out_dir: Path, spec: SampleSpec = SampleSpec()) -> SampleFiles:
    """Write interactions.csv, items.csv and users.csv into `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(spec.seed)
    items = _make_items(rng, spec.item_count())
    user_ids = [f"U{n:07d}" for n in range(1, spec.user_count() + 1)]
    interactions, items_csv, users_csv = (
        out_dir / "interactions.csv",
        out_dir / "items.csv",
        out_dir / "users.csv",
    )
    # The order of these calls is part of the output: each draws from the same generator.
    _write_items(items_csv, rng, items)
    activity = _write_users(users_csv, rng, user_ids)
    rows, views, purchases = _write_interactions(interactions, rng, spec, items, user_ids, activity)
    return SampleFiles(interactions, items_csv, users_csv, rows, views, purchases)


def _header(dataset_type: DatasetType, schemas_dir: Path = SCHEMAS_DIR) -> list[str]:
    return list(load_schema(dataset_type, schemas_dir).column_names)


def _make_items(rng: random.Random, count: int) -> list[_Item]:
    l1_names = list(_L1_WEIGHTS)
    l1_draws = rng.choices(l1_names, weights=list(_L1_WEIGHTS.values()), k=count)
    items = []
    for n, l1 in enumerate(l1_draws, start=1):
        l2 = rng.choice(list(_CATALOGUE[l1]))
        base, l3_options = _CATALOGUE[l1][l2]
        l3 = rng.choice(l3_options)
        # Some items sit in two L3 categories: Personalize takes |-separated categorical values.
        if len(l3_options) > 1 and rng.random() < 0.06:
            other = rng.choice([o for o in l3_options if o != l3])
            l3 = f"{l3}|{other}"
        price = max(0.99, round(base * rng.lognormvariate(0.0, 0.45)) - 0.01)
        items.append(_Item(f"SKU-{n:06d}", l1, l2, l3, price))
    return items


def _write_items(path: Path, rng: random.Random, items: list[_Item]) -> None:
    first_day = int(WINDOW_START.timestamp()) - 2 * 365 * 86_400
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(_header(DatasetType.ITEMS))
        for item in items:
            product = _PRODUCTS[item.l3.split("|")[0]]
            description = (
                f"{rng.choice(_ADJECTIVES).capitalize()} {rng.choice(_MATERIALS[item.l1])} "
                f"{product} from our {item.l2.replace('-', ' ')} range. {rng.choice(_BENEFITS)}"
            )
            created = first_day + rng.randrange(2 * 365 * 86_400)
            age_group = "kids" if item.l1 == "toys" else rng.choice(("adult", "adult", ""))
            adult = "yes" if item.l3 == "wine" else "no"
            gender = ""
            if item.l1 in ("apparel", "footwear"):
                gender = rng.choice(("women", "men", "women|men"))
            writer.writerow(
                [
                    item.item_id,
                    f"{item.price:.2f}",
                    item.l1,
                    item.l2,
                    item.l3,
                    description,
                    created,
                    age_group,
                    adult,
                    gender,
                ]
            )


def _write_users(path: Path, rng: random.Random, user_ids: list[str]) -> list[float]:
    activity = []
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(_header(DatasetType.USERS))
        for rank, user_id in enumerate(user_ids, start=1):
            tier = _pick(rng, _TIERS)
            writer.writerow([user_id, tier, _pick(rng, _AGE_GROUPS), _pick(rng, _GENDERS)])
            # Long-tailed activity: a few heavy shoppers, many occasional ones.
            activity.append(_TIER_ACTIVITY[tier] / rank**0.6)
    order = list(range(len(user_ids)))
    rng.shuffle(order)
    # Shuffle so user ID order says nothing about activity.
    return [activity[i] for i in order]


def _pick(rng: random.Random, weighted: dict[str, float]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


class _Weighted(Generic[T]):
    """Walker's alias method: a weighted draw in O(1), several times faster than bisecting."""

    def __init__(self, values: Sequence[T], weights: Sequence[float]) -> None:
        n = len(values)
        total = sum(weights)
        scaled = [w * n / total for w in weights]
        self.values = list(values)
        self.keep = [1.0] * n
        self.alias = list(range(n))
        small = [i for i, w in enumerate(scaled) if w < 1.0]
        large = [i for i, w in enumerate(scaled) if w >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            self.keep[s], self.alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)

    def one(self, rng: random.Random) -> T:
        x = rng.random() * len(self.values)
        i = int(x)
        return self.values[i] if x - i < self.keep[i] else self.values[self.alias[i]]

    def many(self, rng: random.Random, k: int) -> list[T]:
        # Inlined `one`: this loop is the generator's hot spot.
        values, keep, alias, n = self.values, self.keep, self.alias, len(self.values)
        out = []
        for _ in range(k):
            x = rng.random() * n
            i = int(x)
            out.append(values[i] if x - i < keep[i] else values[alias[i]])
        return out


@dataclass
class _Popularity:
    """Zipf-like item draws, globally and within each L1 category."""

    overall: _Weighted[_Item]
    by_l1: dict[str, _Weighted[_Item]]
    companions: dict[str, list[_Item]]

    def draw(self, rng: random.Random, l1: str | None, k: int) -> list[_Item]:
        return (self.overall if l1 is None else self.by_l1[l1]).many(rng, k)


def _popularity(rng: random.Random, items: list[_Item]) -> _Popularity:
    ranked = items[:]
    rng.shuffle(ranked)
    weight = {item.item_id: 1.0 / (rank**1.05) for rank, item in enumerate(ranked, start=1)}
    overall = _Weighted(items, [weight[i.item_id] for i in items])
    by_l1 = {}
    for l1 in _L1_WEIGHTS:
        members = [i for i in items if i.l1 == l1]
        if members:
            by_l1[l1] = _Weighted(members, [weight[i.item_id] for i in members])
    by_l2: dict[str, list[_Item]] = {}
    for item in items:
        by_l2.setdefault(item.l2, []).append(item)
    pools = {
        l2: [c for other in _COMPLEMENTS.get(l2, ()) for c in by_l2.get(other, ())] or by_l2[l2]
        for l2 in by_l2
    }
    companions = {}
    for item in items:
        # A fixed, small set per item: the pairs repeat across baskets, which is the signal.
        picks = rng.sample(pools[item.l2], k=min(4, len(pools[item.l2])))
        companions[item.item_id] = [c for c in picks if c is not item][:3]
    return _Popularity(overall, by_l1, companions)


def _write_interactions(
    path: Path,
    rng: random.Random,
    spec: SampleSpec,
    items: list[_Item],
    user_ids: list[str],
    activity: Sequence[float],
) -> tuple[int, int, int]:
    popularity = _popularity(rng, items)
    users = _Weighted(user_ids, activity)
    categories = _Weighted(
        [l1 for l1 in _L1_WEIGHTS if l1 in popularity.by_l1],
        [w for l1, w in _L1_WEIGHTS.items() if l1 in popularity.by_l1],
    )
    target_rows = spec.target_rows()
    target_bytes = spec.interactions_bytes if spec.interactions is None else None
    # Session starts follow progress towards the target, so the file spans exactly the window
    # whatever the mix of events, roughly in time order (sessions overlap by a few minutes).
    window = WINDOW_DAYS * 86_400
    start = int(WINDOW_START.timestamp())
    rows = purchases = 0
    chunk: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as f:
        header = ",".join(_header(DatasetType.INTERACTIONS)) + "\n"
        f.write(header)
        written = len(header)
        while True:
            progress = rows / target_rows if target_bytes is None else written / target_bytes
            clock = start + int(window * progress) + rng.randrange(600)
            lines, bought = _session(rng, popularity, categories, f"{users.one(rng)},", clock)
            if target_bytes is None:
                lines = lines[: target_rows - rows]
                done = rows + len(lines) >= target_rows
            else:
                # Stop at the first line that reaches the size target.
                for n, line in enumerate(lines, start=1):
                    written += len(line)
                    if written >= target_bytes:
                        lines = lines[:n]
                        break
                done = written >= target_bytes
            rows += len(lines)
            # Purchases close a session; a session cut at the target may have lost some.
            tail = lines[max(0, len(lines) - bought) :]
            purchases += sum(1 for line in tail if line.endswith(",Purchase\n"))
            chunk.extend(lines)
            if done or len(chunk) >= _FLUSH_ROWS:
                f.write("".join(chunk))
                chunk = []
            if done:
                break
    return rows, rows - purchases, purchases


# Gaps between clicks, as quantiles of an exponential distribution: one draw per session picks
# them all, which is several times faster than a draw per event.
_VIEW_GAPS = [5 + int(-40 * math.log(1 - (q + 0.5) / 64)) for q in range(64)]


def _session(
    rng: random.Random,
    popularity: _Popularity,
    categories: _Weighted[str],
    prefix: str,
    start: int,
) -> tuple[list[str], int]:
    """One visit: a few views mostly in one category, sometimes a basket with companions.

    Returns the CSV lines and how many of the last lines are purchases.
    """
    focus = categories.one(rng) if rng.random() < 0.8 else None
    n_views = 1 + min(24, int(rng.expovariate(1 / 4.0)))
    viewed = popularity.draw(rng, focus, n_views)
    lines = []
    ts = start
    for item in viewed:
        lines.append(f"{prefix}{item.item_id},{ts},View\n")
        ts += _VIEW_GAPS[int(rng.random() * 64)]
    if rng.random() >= min(0.6, 0.14 + 0.03 * n_views):
        return lines, 0
    bought = viewed[-1] if rng.random() < 0.6 else rng.choice(viewed)
    basket = [bought] + [c for c in popularity.companions[bought.item_id] if rng.random() < 0.35]
    for item in basket[1:]:
        lines.append(f"{prefix}{item.item_id},{ts},View\n")
        ts += 3 + rng.randrange(40)
    ts += 30 + rng.randrange(180)
    for n, item in enumerate(basket):
        lines.append(f"{prefix}{item.item_id},{ts + n},Purchase\n")
    return lines, len(basket)


def megabytes(value: float) -> int:
    """Bytes in `value` MB (10^6 bytes, as file sizes are usually quoted)."""
    return math.ceil(value * 1_000_000)
