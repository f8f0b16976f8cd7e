"""Identifiers and human-readable names, built column-wise with Arrow kernels."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_PARTNER_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "isv": (
        (
            "Siam",
            "Nusantara",
            "Lotus",
            "Orchid",
            "Mekong",
            "Garuda",
            "Andaman",
            "Borneo",
            "Chao",
            "Java",
            "Krungthep",
            "Merapi",
            "Sunda",
            "Tidal",
            "Bright",
            "Cloud",
        ),
        (
            "Soft",
            "Apps",
            "Labs",
            "Data",
            "Systems",
            "Cloud",
            "Commerce",
            "Tech",
            "Logic",
            "Works",
            "Digital",
            "Connect",
        ),
    ),
    "tsp": (
        (
            "Bangkok",
            "Chiang",
            "Phuket",
            "Surabaya",
            "Bandung",
            "Prime",
            "Golden",
            "Elephant",
            "Saffron",
            "Coral",
            "Jade",
            "Harbor",
            "Rising",
            "Kinnaree",
            "Naga",
            "Pattaya",
        ),
        (
            "Partners",
            "Commerce",
            "Growth",
            "Solutions",
            "Agency",
            "Services",
            "Ventures",
            "Retail",
            "Group",
            "Studio",
        ),
    ),
    "mcn": (
        (
            "星河",
            "光年",
            "云帆",
            "锦程",
            "万象",
            "星火",
            "青藤",
            "蓝鲸",
            "天穹",
            "花开",
            "麦田",
            "朝阳",
            "银河",
            "飞鱼",
            "山海",
            "长风",
        ),
        ("传媒", "文化", "网络科技", "互娱", "影业", "数字", "直播", "电商"),
    ),
}
_SELLER_WORDS = (
    (
        "Happy",
        "Smart",
        "Green",
        "Royal",
        "Urban",
        "Lucky",
        "Fresh",
        "Pure",
        "Sunny",
        "Silk",
        "Daily",
        "Mega",
        "Little",
        "Ocean",
        "Star",
        "Lotus",
        "Jade",
        "Panda",
        "Tiger",
        "Coco",
    ),
    (
        "Home",
        "Beauty",
        "Gadget",
        "Fashion",
        "Kids",
        "Kitchen",
        "Sport",
        "Pet",
        "Tea",
        "Mart",
        "Shoes",
        "Bags",
        "Skin",
        "Toys",
        "Garden",
        "Snack",
        "Craft",
        "Tech",
    ),
    ("Store", "Shop", "Official", "Outlet", "House", "Corner", "Hub", "Co."),
)
_PRODUCT_WORDS = (
    (
        "Classic",
        "Premium",
        "Mini",
        "Pro",
        "Soft",
        "Organic",
        "Portable",
        "Deluxe",
        "Travel",
        "Smart",
        "Vintage",
        "Eco",
        "Ultra",
        "Daily",
        "Festive",
        "Cozy",
    ),
    (
        "Face Serum",
        "Phone Case",
        "Rice Cooker",
        "Sneakers",
        "Tote Bag",
        "Green Tea",
        "Lipstick",
        "Earbuds",
        "Yoga Mat",
        "Dress",
        "Snack Box",
        "Water Bottle",
        "Desk Lamp",
        "Sunscreen",
        "Backpack",
        "Smart Watch",
        "Hair Oil",
        "Pet Bed",
        "Coffee Beans",
        "Blanket",
    ),
)
_HANDLE_WORDS = (
    "mali",
    "budi",
    "xiaomei",
    "nong",
    "dewi",
    "ayu",
    "somchai",
    "lingling",
    "putri",
    "jiajia",
    "ploy",
    "rizky",
    "tong",
    "nini",
    "wawa",
    "joy",
    "bao",
    "fah",
    "sari",
    "kiki",
)


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded number, e.g. `O00000000042`."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def partner_name(kind: str, number: int) -> str:
    """A stable, plausible company name for partner `number` of `kind`."""
    first, second = _PARTNER_WORDS[kind]
    a = first[number % len(first)]
    b = second[(number // len(first) + number) % len(second)]
    if kind == "mcn":
        return f"{a}{b}"
    return f"{a} {b}"


def _combine(rng: np.random.Generator, n: int, parts: tuple[tuple[str, ...], ...]) -> pa.Array:
    words = [pc.take(pa.array(p), pa.array(rng.integers(0, len(p), n))) for p in parts]
    return pc.binary_join_element_wise(*words, " ")


def seller_names(rng: np.random.Generator, n: int) -> pa.Array:
    return _combine(rng, n, _SELLER_WORDS)


def product_titles(rng: np.random.Generator, n: int) -> pa.Array:
    return _combine(rng, n, _PRODUCT_WORDS)


def creator_handles(rng: np.random.Generator, numbers: np.ndarray) -> pa.Array:
    """`@word.number`; unique because the number is the creator's own sequence number."""
    words = pc.take(
        pa.array(_HANDLE_WORDS), pa.array(rng.integers(0, len(_HANDLE_WORDS), len(numbers)))
    )
    return pc.binary_join_element_wise("@", words, ".", pc.cast(pa.array(numbers), pa.string()), "")


#: Identifier prefix and digits of each kind of row: seller index 41 is `S0000042`.
SELLER_ID = ("S", 7)
CREATOR_ID = ("C", 8)
PRODUCT_ID = ("P", 9)
ORDER_ID = ("O", 11)
LIVE_ID = ("L", 9)
VIDEO_ID = ("V", 9)
VIOLATION_ID = ("X", 8)
APP_ID = ("A", 6)
BUYER_ID = ("U", 9)


def row_ids(kind: tuple[str, int], index: np.ndarray) -> pa.Array:
    """Identifiers of rows by their 0-based index; a negative index gives null."""
    index = np.asarray(index, dtype=np.int64)
    out = ids(kind[0], np.maximum(index, 0) + 1, kind[1])
    if (index < 0).any():
        out = pc.if_else(pa.array(index < 0), pa.scalar(None, pa.string()), out)
    return out
