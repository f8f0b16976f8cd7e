"""TikTok Shop order pages to canonical orders, set-wise in DuckDB: the import.

DuckDB reads every page at once with an explicit structure in which each field we read is
a JSON leaf, so a value arrives as its JSON text: an id `"577…"` or `5770000000000000017`
keeps every digit (DuckDB keeps integers of any length exact; a fraction or an exponent
shows as `5770000000000000000.0` and is not taken), money is taken only as a JSON string
(a JSON number has passed through a double) and cast to DECIMAL(18,4), never DOUBLE.

Validation is set-wise: one query per kind marks every record whose fields are not in the
plain form the mapping reads (an id a string or a whole number, Unix seconds a whole
number, money a decimal string of at most 4 places, a status one of the names or v1
codes…). A marked record, and every record of a file DuckDB cannot read, is handed to the
precise reader (tiktok.py, the pydantic models): a record the models accept comes back in
the plain form (a lower-case status, money sent as a number, a v1 `order_status`…), one
they refuse is a problem. The mapping (statuses and codes, Unix seconds, COD paid times,
the split into SKU orders, affiliate attribution, returns to refunds) is the SQL below,
once; the checks across records (a paid order without a paid time, returns above the
amount…) are queries too. When anything is wrong the import is refused with the precise
reader's wording of every problem, so a refusal reads exactly as the models word it.

DuckDB does not tell a JSON `null` from an absent field; the plain form reads both as
absent (docs/importers.md).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel

from tierwise.importers.canonical import OrderRow
from tierwise.importers.payload import Document, read_documents, source_files, validate
from tierwise.importers.problems import Problem, Problems, record_label
from tierwise.importers.result import ImportResult
from tierwise.importers.tiktok import (
    CANCELLED_BY,
    CHANNELS,
    LEGACY_CODES,
    ORDER_STATUSES,
    PAID_STATUSES,
    REFUNDED,
    RETURN_STATUSES,
    TtsAffiliateOrder,
    TtsOrder,
    TtsReturn,
    _items,
    read_precisely,
)
from tierwise.store.contract import CURRENCIES

_LINE = (
    "STRUCT(id JSON, product_id JSON, sku_id JSON, sale_price JSON, currency JSON, "
    "is_gift JSON, cancel_user JSON)"
)
_SKU = "STRUCT(sku_id JSON, content_type JSON, content_id JSON, creator_username JSON)"
#: An order or an affiliate order (the page's items are told apart by `skus`).
_ORDER = (
    "STRUCT(id JSON, status JSON, order_status JSON, user_id JSON, order_type JSON, "
    "create_time JSON, paid_time JSON, rts_time JSON, rts_sla_time JSON, "
    "delivery_time JSON, update_time JSON, is_cod JSON, is_sample_order JSON, "
    "is_replacement_order JSON, cancellation_initiator JSON, payment STRUCT(currency JSON), "
    f"line_items {_LINE}[], skus {_SKU}[])"
)
_AMOUNT = "STRUCT(currency JSON, refund_subtotal JSON)"
_RETURN = (
    "STRUCT(id JSON, return_id JSON, order_id JSON, return_type JSON, return_status JSON, "
    f"update_time JSON, refund_amount {_AMOUNT}, "
    f"return_line_items STRUCT(order_line_item_id JSON, refund_amount {_AMOUNT})[], "
    "seller_proposed_return_type JSON, partial_refund STRUCT(amount JSON, currency JSON), "
    "buyer_rejected_partial_refund JSON, next_return_id JSON)"
)
_PAGE = (
    "{'code': 'JSON', 'data': "
    f"'STRUCT(orders {_ORDER}[], order_list {_ORDER}[], return_orders {_RETURN}[])'}}"
)
_ORDER_LABEL = "'record ' || idx || ' (id ' || json_extract_string(r.id, '$') || ')'"
#: `record 3 (id …)` as `record_label` writes it, for a row the loader refuses.
_LABEL = {
    "orders": _ORDER_LABEL,
    "affiliate": _ORDER_LABEL,
    "returns": (
        "'record ' || idx || ' (' || CASE WHEN r.id IS NOT NULL AND "
        "CAST(r.id AS VARCHAR) <> '\"\"' THEN 'id ' || json_extract_string(r.id, '$') "
        "ELSE 'return_id ' || json_extract_string(r.return_id, '$') END || ')'"
    ),
}
_STRUCT = {"orders": _ORDER, "affiliate": _ORDER, "returns": _RETURN}
_MODEL: dict[str, type[BaseModel]] = {
    "orders": TtsOrder,
    "affiliate": TtsAffiliateOrder,
    "returns": TtsReturn,
}


def _quoted(names: Any) -> str:
    return ", ".join(f"'\"{n}\"'" for n in sorted(names))


# -- the plain form: SQL over a JSON leaf's text ----------------------------------------


def _text(x: str) -> str:
    return f"CAST({x} AS VARCHAR)"


def _id(x: str) -> str:
    """A non-empty JSON string, or a whole number (exact: DuckDB keeps its digits)."""
    return (
        f"(regexp_full_match({_text(x)}, '-?[0-9]+') OR "
        f"(json_type({x}) = 'VARCHAR' AND {_text(x)} <> '\"\"'))"
    )


def _optional_id(x: str) -> str:
    return f"({x} IS NULL OR {_text(x)} = '\"\"' OR {_id(x)})"


def _seconds(x: str) -> str:
    return (
        f"(regexp_full_match({_text(x)}, '[0-9]{{1,10}}') AND "
        f"CAST({_text(x)} AS BIGINT) BETWEEN 1 AND 9999999999)"
    )


def _optional_seconds(x: str) -> str:
    return f"({x} IS NULL OR {_text(x)} = '0' OR {_seconds(x)})"


def _money(x: str) -> str:
    return f"regexp_full_match({_text(x)}, '\"[0-9]{{1,14}}(\\.[0-9]{{1,4}})?\"')"


def _bool(x: str) -> str:
    return f"({x} IS NULL OR {_text(x)} IN ('true', 'false'))"


def _one_of(x: str, names: Any, optional: bool = True) -> str:
    test = f"{_text(x)} IN ({_quoted(names)})"
    return f"({x} IS NULL OR {test})" if optional else f"coalesce({test}, false)"


def _optional_text(x: str) -> str:
    return f"({x} IS NULL OR json_type({x}) = 'VARCHAR')"


def _all(items: str, var: str, test: str) -> str:
    return f"coalesce(list_bool_and(list_transform({items}, lambda {var}: {test})), true)"


_STATUS_NAMES = [*ORDER_STATUSES, "CANCEL", *(str(c) for c in LEGACY_CODES)]
_PLAIN_LINE = " AND ".join(
    [
        _id("l.id"),
        _id("l.product_id"),
        _id("l.sku_id"),
        _money("l.sale_price"),
        _one_of("l.currency", CURRENCIES),
        _bool("l.is_gift"),
        _one_of("l.cancel_user", CANCELLED_BY),
    ]
)
_PLAIN_SKU = " AND ".join(
    [
        _id("s.sku_id"),
        _one_of("s.content_type", CHANNELS, optional=False),
        _optional_id("s.content_id"),
        "coalesce(json_type(s.creator_username) = 'VARCHAR' "
        "AND CAST(s.creator_username AS VARCHAR) <> '\"\"', false)",
    ]
)
_PLAIN_AMOUNT = "({a} IS NULL OR ({cur} AND {money}))"
_PLAIN: dict[str, str] = {
    "orders": " AND ".join(
        [
            _id("r.id"),
            # a v1 export's `order_status` (or a status given as null) goes to the models
            f"({_text('r.status')} IN ({_quoted(_STATUS_NAMES)}) OR "
            f"{_text('r.status')} IN ({', '.join(repr(str(c)) for c in LEGACY_CODES)}))",
            _optional_id("r.user_id"),
            _optional_text("r.order_type"),
            _seconds("r.create_time"),
            *(
                _optional_seconds(f"r.{t}")
                for t in ("paid_time", "rts_time", "rts_sla_time", "delivery_time", "update_time")
            ),
            _bool("r.is_cod"),
            _bool("r.is_sample_order"),
            _bool("r.is_replacement_order"),
            _one_of("r.cancellation_initiator", ("SELLER", "BUYER", "SYSTEM")),
            _one_of("r.payment.currency", CURRENCIES, optional=False),
            "coalesce(len(r.line_items) >= 1, false)",
            _all("r.line_items", "l", _PLAIN_LINE),
        ]
    ),
    "affiliate": " AND ".join(
        [_id("r.id"), "coalesce(len(r.skus) >= 1, false)", _all("r.skus", "s", _PLAIN_SKU)]
    ),
    "returns": " AND ".join(
        [
            _optional_id("r.id"),
            _id("r.return_id"),
            _id("r.order_id"),
            _one_of("r.return_type", ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT"), False),
            _one_of("r.return_status", RETURN_STATUSES, optional=False),
            _optional_seconds("r.update_time"),
            _PLAIN_AMOUNT.format(
                a="r.refund_amount",
                cur=_one_of("r.refund_amount.currency", CURRENCIES, False),
                money=_money("r.refund_amount.refund_subtotal"),
            ),
            _all(
                "r.return_line_items",
                "l",
                f"{_id('l.order_line_item_id')} AND "
                + _PLAIN_AMOUNT.format(
                    a="l.refund_amount",
                    cur=_one_of("l.refund_amount.currency", CURRENCIES, False),
                    money=_money("l.refund_amount.refund_subtotal"),
                ),
            ),
            _optional_text("r.seller_proposed_return_type"),
            _PLAIN_AMOUNT.format(
                a="r.partial_refund",
                cur=_one_of("r.partial_refund.currency", CURRENCIES, False),
                money=_money("r.partial_refund.amount"),
            ),
            _bool("r.buyer_rejected_partial_refund"),
            _optional_id("r.next_return_id"),
        ]
    ),
}


# -- values of the plain form --------------------------------------------------------------


def _s(x: str) -> str:
    """A leaf's value as text (a string unquoted, a whole number its digits)."""
    return f"nullif(json_extract_string({x}, '$'), '')"


def _n(x: str) -> str:
    """Unix seconds (0 is none)."""
    return f"nullif(CAST({_text(x)} AS BIGINT), 0)"


def _d(x: str) -> str:
    return f"CAST(json_extract_string({x}, '$') AS DECIMAL(18, 4))"


def _b(x: str) -> str:
    return f"coalesce({_text(x)} = 'true', false)"


def _case(x: str, mapping: dict[str, str], default: str = "NULL") -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {x} {whens} ELSE {default} END"


_STATUS_OF = {
    **{s: s for s in ORDER_STATUSES},
    "CANCEL": "CANCELLED",
    **{str(c): s for c, s in LEGACY_CODES.items()},
}
_PAID = ", ".join(f"'{s}'" for s in sorted(PAID_STATUSES))
_REFUNDED = ", ".join(f"'{s}'" for s in sorted(REFUNDED))

#: Orders, newest record of each id, typed; `first` is where the id first appeared.
_ORDERS_SQL = f"""
CREATE TEMP TABLE ord AS
WITH typed AS (
    SELECT file_no, doc_no, idx, file, label, {_s("r.id")} AS id,
        {_case(_s("r.status"), _STATUS_OF)} AS status,
        {_s("r.user_id")} AS user_id, json_extract_string(r.order_type, '$') AS order_type,
        {_n("r.create_time")} AS create_time, {_n("r.paid_time")} AS paid_time,
        {_n("r.rts_time")} AS rts_time, {_n("r.rts_sla_time")} AS rts_sla_time,
        {_n("r.delivery_time")} AS delivery_time, {_n("r.update_time")} AS update_time,
        {_b("r.is_cod")} AS is_cod, {_b("r.is_sample_order")} AS is_sample,
        {_b("r.is_replacement_order")} AS is_replacement,
        json_extract_string(r.cancellation_initiator, '$') AS initiator,
        json_extract_string(r.payment.currency, '$') AS currency,
        list_transform(r.line_items, lambda l: {{
            'id': {_s("l.id")}, 'product_id': {_s("l.product_id")}, 'sku_id': {_s("l.sku_id")},
            'price': {_d("l.sale_price")}, 'currency': json_extract_string(l.currency, '$'),
            'gift': {_b("l.is_gift")},
            'cancel_user': json_extract_string(l.cancel_user, '$')}}) AS lines
    FROM order_in
), ranked AS (
    SELECT *,
        row_number() OVER (PARTITION BY id ORDER BY coalesce(update_time, 0) DESC,
            file_no DESC, doc_no DESC, idx DESC) AS newest,
        min(file_no * 1e12 + doc_no * 1e6 + idx) OVER (PARTITION BY id) AS first_seen
    FROM typed
)
SELECT * EXCLUDE (newest) FROM ranked WHERE newest = 1
"""

_LINES_SQL = """
CREATE TEMP TABLE line AS
SELECT o.id AS order_id, o.order_type, u.l.id AS id, u.l.product_id AS product_id,
    u.l.sku_id AS sku_id, u.l.price AS price, u.l.currency AS currency, u.l.gift AS gift,
    u.l.cancel_user AS cancel_user, u.pos
FROM ord o, (SELECT unnest(o.lines) AS l, generate_subscripts(o.lines, 1) AS pos) u
"""

_AFFILIATE_SQL = f"""
CREATE TEMP TABLE aff AS
WITH skus AS (
    SELECT file_no, doc_no, idx, {_s("a.r.id")} AS order_id, u.s, u.pos
    FROM aff_in a, (SELECT unnest(a.r.skus) AS s, generate_subscripts(a.r.skus, 1) AS pos) u
), typed AS (
    SELECT *, {_s("s.sku_id")} AS sku_id,
        row_number() OVER (PARTITION BY order_id, {_s("s.sku_id")}
            ORDER BY file_no DESC, doc_no DESC, idx DESC, pos DESC) AS newest
    FROM skus
)
SELECT order_id, sku_id, json_extract_string(s.content_type, '$') AS content_type,
    {_s("s.content_id")} AS content_id,
    json_extract_string(s.creator_username, '$') AS creator
FROM typed WHERE newest = 1
"""

#: Returns, newest of each id, with the reason a return refunds nothing (or NULL).
_RETURNS_SQL = f"""
CREATE TEMP TABLE ret AS
WITH typed AS (
    SELECT file_no, doc_no, idx, {_s("r.return_id")} AS return_id,
        {_s("r.order_id")} AS order_id, json_extract_string(r.return_status, '$') AS status,
        {_n("r.update_time")} AS update_time, {_s("r.next_return_id")} AS next_id,
        json_extract_string(r.refund_amount.currency, '$') AS currency,
        {_d("r.refund_amount.refund_subtotal")} AS subtotal,
        coalesce(json_extract_string(r.seller_proposed_return_type, '$') = 'PARTIAL_REFUND'
            AND NOT {_b("r.buyer_rejected_partial_refund")}
            AND r.partial_refund IS NOT NULL, false) AS partial,
        {_d("r.partial_refund.amount")} AS partial_amount,
        json_extract_string(r.partial_refund.currency, '$') AS partial_currency,
        list_transform(r.return_line_items, lambda l: {{
            'line_id': {_s("l.order_line_item_id")},
            'currency': json_extract_string(l.refund_amount.currency, '$'),
            'subtotal': {_d("l.refund_amount.refund_subtotal")},
            'has_amount': l.refund_amount IS NOT NULL}}) AS lines
    FROM ret_in
), newest AS (
    SELECT * FROM typed QUALIFY row_number() OVER (PARTITION BY return_id
        ORDER BY coalesce(update_time, 0) DESC, file_no DESC, doc_no DESC, idx DESC) = 1
)
SELECT n.*, CASE
    WHEN next_id IS NOT NULL THEN 'returns superseded by an edited request'
    WHEN status NOT IN ({_REFUNDED}) THEN 'returns not refunded (yet)'
    WHEN NOT EXISTS (SELECT 1 FROM ord o WHERE o.id = n.order_id)
        THEN 'returns of orders not in the pages'
    END AS left_out
FROM newest n
"""

#: Per completed return and SKU of its order: the goods refunded; `wrong` counts what the
#: precise reader refuses (a line of no order line, a refund of several SKUs without line
#: amounts, a currency other than the order's).
_REFUNDS_SQL = """
CREATE TEMP TABLE refund AS
WITH counted AS (SELECT * FROM ret WHERE left_out IS NULL),
sku_of_line AS (
    SELECT order_id, id AS line_id, arg_max(sku_id, pos) AS sku_id FROM line GROUP BY ALL
),
rline AS (
    SELECT c.return_id, c.order_id, u.l.line_id AS line_id, u.l.currency AS currency,
        u.l.subtotal AS subtotal, u.l.has_amount AS has_amount, u.i
    FROM counted c, (SELECT unnest(c.lines) AS l, generate_subscripts(c.lines, 1) AS i) u
),
named AS (
    SELECT r.*, s.sku_id FROM rline r
    LEFT JOIN sku_of_line s ON s.order_id = r.order_id AND s.line_id = r.line_id
),
per_return AS (
    SELECT c.return_id, c.order_id, c.partial, c.partial_amount, c.partial_currency,
        c.currency, c.subtotal, o.currency AS order_currency,
        (SELECT count(*) FROM named n WHERE n.return_id = c.return_id AND n.sku_id IS NULL)
            AS unknown_lines,
        (SELECT count(*) FROM named n WHERE n.return_id = c.return_id AND n.sku_id IS NOT NULL
            AND n.has_amount) AS line_amounts,
        coalesce((SELECT list(DISTINCT n.sku_id) FROM named n
            WHERE n.return_id = c.return_id AND n.sku_id IS NOT NULL),
            []) AS named_skus,
        (SELECT list(DISTINCT l.sku_id) FROM line l WHERE l.order_id = c.order_id) AS all_skus,
        coalesce((SELECT list(DISTINCT n.currency) FROM named n WHERE n.return_id = c.return_id
            AND n.sku_id IS NOT NULL AND n.has_amount), []) AS line_currencies
    FROM counted c JOIN ord o ON o.id = c.order_id
),
decided AS (
    SELECT *,
        CASE WHEN len(named_skus) > 0 THEN named_skus ELSE all_skus END AS skus,
        CASE WHEN partial THEN partial_amount ELSE subtotal END AS whole,
        CASE WHEN partial THEN [partial_currency]
            WHEN currency IS NOT NULL THEN list_append(line_currencies, currency)
            ELSE line_currencies END AS currencies
    FROM per_return
),
judged AS (
    SELECT *, (partial OR line_amounts = 0) AND whole IS NOT NULL AS as_whole,
        ((partial OR line_amounts = 0) AND whole IS NOT NULL AND len(skus) <> 1)
        OR len(list_filter(currencies, lambda c: c <> order_currency)) > 0 AS refused
    FROM decided
)
SELECT j.return_id, j.order_id, j.skus[1] AS sku_id, j.whole AS amount,
    j.unknown_lines + j.refused::INT AS wrong
FROM judged j WHERE j.as_whole
UNION ALL
SELECT j.return_id, j.order_id, n.sku_id, n.subtotal, j.unknown_lines + j.refused::INT
FROM judged j JOIN named n ON n.return_id = j.return_id
WHERE NOT j.as_whole AND n.sku_id IS NOT NULL AND n.has_amount
"""

#: The canonical rows, in the order the precise reader gives them: orders by where their
#: id first appeared, SKUs by their first line.
_ROWS_SQL = f"""
CREATE TEMP TABLE canon AS
WITH kept AS (SELECT * FROM ord WHERE NOT is_sample AND NOT is_replacement),
sku AS (
    SELECT order_id, sku_id, min(pos) AS first_pos, arg_min(product_id, pos) AS product_id,
        sum(price) AS amount, count(*) AS quantity,
        list(currency) FILTER (WHERE currency IS NOT NULL) AS currencies
    FROM line WHERE NOT gift AND NOT (coalesce(order_type = 'ZERO_LOTTERY', false)
        AND price = 0)
    GROUP BY ALL
),
cancel AS (
    SELECT order_id, arg_min(cancel_user, pos) AS cancel_user FROM line
    WHERE cancel_user IS NOT NULL GROUP BY ALL
),
returned AS (
    SELECT order_id, sku_id, sum(amount) AS amount FROM refund
    WHERE wrong = 0 GROUP BY ALL
),
o AS (
    SELECT k.*,
        CASE WHEN k.status = 'UNPAID' THEN NULL
            WHEN k.is_cod THEN CASE WHEN k.status IN ('DELIVERED', 'COMPLETED')
                THEN coalesce(k.delivery_time, k.paid_time) END
            ELSE k.paid_time END AS paid,
        CASE WHEN k.status <> 'CANCELLED' THEN NULL
            ELSE {_case("coalesce(k.initiator, c.cancel_user)", CANCELLED_BY, "'system'")}
            END AS cancelled_by,
        (SELECT count(*) FROM sku s WHERE s.order_id = k.id) AS skus
    FROM kept k LEFT JOIN cancel c ON c.order_id = k.id
)
SELECT CASE WHEN o.skus = 1 THEN o.id ELSE o.id || ':' || s.sku_id END AS order_id,
    s.product_id,
    {_case("a.content_type", CHANNELS, "'shop_tab'")} AS channel,
    to_timestamp(o.create_time) AS created_at, s.amount, o.currency,
    a.creator AS creator_id,
    CASE WHEN a.content_type IN ('LIVE', 'VIDEO') THEN a.content_id END AS content_id,
    o.user_id AS buyer_id, to_timestamp(o.paid) AS paid_at,
    CASE WHEN o.paid IS NULL THEN 0 WHEN o.cancelled_by IS NOT NULL THEN s.amount
        ELSE coalesce(r.amount, 0) END AS refund_amount,
    o.cancelled_by,
    coalesce(o.rts_time > o.rts_sla_time, false) AS late_dispatch,
    s.quantity, o.file, o.label,
    -- what the precise reader refuses: a paid order without its paid time, a line in
    -- another currency, returns above the amount
    (o.paid IS NULL AND CASE WHEN o.is_cod THEN o.status IN ('DELIVERED', 'COMPLETED')
        ELSE o.status IN ({_PAID}) END)
    OR len(list_filter(s.currencies, lambda c: c <> o.currency)) > 0
    OR (o.paid IS NOT NULL AND o.cancelled_by IS NULL AND coalesce(r.amount, 0) > s.amount)
        AS wrong
FROM o JOIN sku s ON s.order_id = o.id
LEFT JOIN aff a ON a.order_id = o.id AND a.sku_id = s.sku_id
LEFT JOIN returned r ON r.order_id = o.id AND r.sku_id = s.sku_id
ORDER BY o.first_seen, s.first_pos
"""

_COLUMNS = (
    "order_id",
    "product_id",
    "channel",
    "created_at",
    "amount",
    "currency",
    "creator_id",
    "content_id",
    "buyer_id",
    "paid_at",
    "refund_amount",
    "cancelled_by",
    "late_dispatch",
    "quantity",
)


@dataclass
class _Handed:
    """Records the precise reader took: in the plain form, or refused."""

    records: dict[str, list[tuple[int, int, int, str, str, str]]] = field(
        default_factory=lambda: {"orders": [], "affiliate": [], "returns": []}
    )
    problems: list[Problem] = field(default_factory=list)


def _plain_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value


def _take(handed: _Handed, kind: str, where: tuple[int, int, int], file: str, raw: Any) -> None:
    """One record through its model: back in the plain form, or its problems."""
    label = record_label(where[2], raw, ("id", "return_id"))
    model = validate(_MODEL[kind], raw, file, label, handed.problems)
    if model is not None:
        text = json.dumps(_plain_value(model.model_dump()))
        handed.records[kind].append((*where, file, label, text))


def _documents(file: Path, found: list[Problem]) -> list[Document]:
    return list(read_documents(file, found))


def _hand_file(handed: _Handed, file_no: int, file: Path) -> None:
    """Every record of a file DuckDB did not read as TikTok pages, to the precise reader."""
    for doc_no, doc in enumerate(_documents(file, handed.problems), start=1):
        kind_items = _items(doc, handed.problems)
        if kind_items is None:
            continue
        kind, items = kind_items
        for idx, raw in enumerate(items, start=1):
            _take(handed, kind, (file_no, doc_no, idx), doc.file, raw)


def _list(texts: list[str]) -> str:
    """A DuckDB list literal of `texts`."""
    return "[" + ", ".join("'" + t.replace("'", "''") + "'" for t in texts) + "]"


def _read_sql(files: list[Path]) -> str:
    """The pages of `files` (their JSON Lines each a page), one row per page."""
    parts = []
    for suffix, form in ((".json", "unstructured"), (".jsonl", "newline_delimited")):
        chosen = [str(f) for f in files if f.suffix.lower() == suffix]
        if chosen:
            parts.append(
                f"SELECT filename AS file, code, data FROM read_json({_list(chosen)}, "
                f"format='{form}', records=true, columns={_PAGE}, filename=true, "
                "maximum_object_size=67108864)"
            )
    return " UNION ALL ".join(parts)


def _read_pages(con: duckdb.DuckDBPyConnection, files: list[Path], handed: _Handed) -> None:
    """Table `page`: every page DuckDB reads; the files it cannot read go to `handed`."""
    readable = list(files)
    try:
        con.execute(f"CREATE TEMP TABLE raw_page AS {_read_sql(readable)}")
    except duckdb.Error:
        readable = []
        for file in files:
            try:
                con.execute(f"SELECT count(*) FROM ({_read_sql([file])})").fetchall()
                readable.append(file)
            except duckdb.Error:
                _hand_file(handed, files.index(file) + 1, file)
        con.execute(
            f"CREATE TEMP TABLE raw_page AS {_read_sql(readable)}"
            if readable
            else f"CREATE TEMP TABLE raw_page AS SELECT NULL::VARCHAR AS file, "
            f"NULL::JSON AS code, NULL::STRUCT(orders {_ORDER}[], order_list {_ORDER}[], "
            f"return_orders {_RETURN}[]) AS data WHERE false"
        )
    con.execute("CREATE TEMP TABLE source (file_no INT, file VARCHAR)")
    con.executemany(
        "INSERT INTO source VALUES (?, ?)", [(i, str(f)) for i, f in enumerate(files, start=1)]
    )
    con.execute("""
        CREATE TEMP TABLE page AS
        WITH numbered AS (
            SELECT s.file_no, p.file, p.code, p.data,
                row_number() OVER (PARTITION BY p.file ORDER BY p.seq) AS doc_no,
                count(*) OVER (PARTITION BY p.file) AS docs
            FROM (SELECT *, row_number() OVER () AS seq FROM raw_page) p
            JOIN source s ON s.file = p.file
        )
        SELECT *,
            CASE WHEN (code IS NOT NULL AND CAST(code AS VARCHAR) NOT IN ('0', '"0"'))
                    OR data IS NULL OR (docs > 1 AND NOT file ILIKE '%.jsonl') THEN NULL
                WHEN data.orders IS NOT NULL OR data.order_list IS NOT NULL THEN
                    CASE WHEN coalesce(list_bool_or(list_transform(
                        coalesce(data.orders, data.order_list),
                        lambda o: o.skus IS NOT NULL)), false)
                    THEN 'affiliate' ELSE 'orders' END
                WHEN data.return_orders IS NOT NULL THEN 'returns'
            END AS kind
        FROM numbered
    """)
    for file_no, file in con.execute(
        "SELECT DISTINCT file_no, file FROM page WHERE kind IS NULL ORDER BY file_no"
    ).fetchall():
        _hand_file(handed, file_no, Path(file))
    con.execute("DELETE FROM page WHERE file_no IN (SELECT file_no FROM page WHERE kind IS NULL)")


def _records(con: duckdb.DuckDBPyConnection, handed: _Handed) -> None:
    """Tables order_in, aff_in, ret_in: the plain records, and the records the precise
    reader took in place of the others."""
    for kind, table in (("orders", "order_in"), ("affiliate", "aff_in"), ("returns", "ret_in")):
        items = (
            "data.return_orders" if kind == "returns" else "coalesce(data.orders, data.order_list)"
        )
        con.execute(f"""
            CREATE TEMP TABLE {table}_all AS
            SELECT file_no, doc_no, u.idx, file, u.r
            FROM page p, (SELECT unnest({items}) AS r,
                generate_subscripts({items}, 1) AS idx) u
            WHERE p.kind = '{kind}'
        """)
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT file_no, doc_no, idx, file, "
            f"{_LABEL[kind]} AS label, r FROM {table}_all WHERE {_PLAIN[kind]}"
        )
        odd = con.execute(
            f"SELECT file_no, doc_no, idx, file FROM {table}_all "
            f"WHERE NOT coalesce({_PLAIN[kind]}, false) ORDER BY ALL"
        ).fetchall()
        _hand_records(handed, kind, odd)
        if handed.records[kind]:
            _insert_handed(con, table, _STRUCT[kind], handed.records[kind])


def _insert_handed(
    con: duckdb.DuckDBPyConnection,
    table: str,
    struct: str,
    records: list[tuple[int, int, int, str, str, str]],
) -> None:
    """The records the precise reader gave back, read by the same reader as the pages (a
    field left out is absent, as in a page)."""
    with tempfile.TemporaryDirectory(prefix="tierwise-tts-") as tmp:
        lines = Path(tmp) / "handed.jsonl"
        lines.write_text(
            "".join(
                f'{{"file_no": {f}, "doc_no": {d}, "idx": {i}, "file": {json.dumps(name)}, '
                f'"label": {json.dumps(label)}, "r": {text}}}\n'
                for f, d, i, name, label, text in records
            ),
            encoding="utf-8",
        )
        columns = (
            "{'file_no': 'INTEGER', 'doc_no': 'INTEGER', 'idx': 'INTEGER', "
            f"'file': 'VARCHAR', 'label': 'VARCHAR', 'r': '{struct}'}}"
        )
        con.execute(
            f"INSERT INTO {table} SELECT * FROM read_json({_list([str(lines)])}, "
            f"format='newline_delimited', records=true, columns={columns})"
        )


def _hand_records(handed: _Handed, kind: str, odd: list[tuple[int, int, int, str]]) -> None:
    parsed: dict[str, list[Document]] = {}
    for file_no, doc_no, idx, file in odd:
        if file not in parsed:
            parsed[file] = _documents(Path(file), handed.problems)
        kind_items = _items(parsed[file][doc_no - 1], handed.problems)
        if kind_items is not None:
            _take(handed, kind, (file_no, doc_no, idx), file, kind_items[1][idx - 1])


def _to_rows(con: duckdb.DuckDBPyConnection, shop_id: str, result: ImportResult) -> None:
    names = ", ".join(_COLUMNS)
    for values in con.execute(f"SELECT {names}, file, label FROM canon").fetchall():
        row = dict(zip(_COLUMNS, values, strict=False))
        result.add(OrderRow(seller_id=shop_id, **row), values[-2], values[-1])


def import_tiktok_orders(path: Path, shop_id: str, limit: int | None = None) -> ImportResult:
    """Canonical orders of the TikTok Shop pages under `path` (order, affiliate order and
    return pages, told apart by their content) for the shop `shop_id`; raises
    `ImportRefused` naming every bad record, worded by the precise reader."""
    found: list[Problem] = []
    files = source_files(path, (".json", ".jsonl"), found)
    if found:
        problems = Problems() if limit is None else Problems(limit)
        problems.extend(found)
        problems.refuse_if_any(str(path))
    result = ImportResult("tiktok-orders")
    handed = _Handed()
    wrong: tuple[Any, ...] | None = None
    with duckdb.connect() as con:
        _read_pages(con, files, handed)
        _records(con, handed)
        if not handed.problems:
            for sql in (_ORDERS_SQL, _LINES_SQL, _AFFILIATE_SQL, _RETURNS_SQL, _REFUNDS_SQL):
                con.execute(sql)
            con.execute(_ROWS_SQL)
            wrong = con.execute(
                "SELECT (SELECT count(*) FROM canon WHERE wrong) "
                "+ (SELECT coalesce(sum(wrong), 0) FROM refund)"
            ).fetchone()
        if handed.problems or (wrong is not None and wrong[0]):
            # the precise reader words every problem, as the models name them
            read_precisely(path, shop_id, limit)
            raise AssertionError("the precise reader accepted what the columnar path refused")
        _count(con, result)
        _to_rows(con, shop_id, result)
    return result


def _count(con: duckdb.DuckDBPyConnection, result: ImportResult) -> None:
    """The records read and, per reason, the ones left out, as the precise reader counts."""
    (records,) = con.execute("SELECT count(*) FROM ord").fetchone() or (0,)
    result.records = int(records)
    reasons = con.execute("""
        SELECT reason, count(*) FROM (
            SELECT CASE WHEN is_sample THEN 'sample orders'
                WHEN is_replacement THEN 'replacement orders (the original order is counted)'
                WHEN NOT EXISTS (SELECT 1 FROM line l WHERE l.order_id = o.id AND NOT l.gift
                    AND NOT (coalesce(l.order_type = 'ZERO_LOTTERY', false) AND l.price = 0))
                    THEN 'orders of gifts and zero-price lottery lines only' END AS reason
            FROM ord o
            UNION ALL SELECT left_out FROM ret
        ) WHERE reason IS NOT NULL GROUP BY ALL
    """).fetchall()
    for reason, n in reasons:
        result.leave_out(str(reason), int(n))
