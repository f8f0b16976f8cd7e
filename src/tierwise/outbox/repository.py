"""The notification outbox: lifecycle notices rendered in the partner's market language and
queued once, ready for a mailer.

Chinese (`zh`) for CN partners, Thai (`th`) for TH, English (`en`) otherwise; a kind with
no template in a language falls back to English. A notice's dedupe key names the program,
partner, kind, period and what the notice is about (the move, the award), so queuing the
same notices again — a re-run, a retried job — adds nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.db.engine import hold_until_commit, now
from tierwise.db.models import OutboxMessage
from tierwise.definitions.model import Program
from tierwise.definitions.scoring import Condition
from tierwise.lifecycle import Notice
from tierwise.scoring.status import text as condition_text

Language = Literal["en", "zh", "th"]
LANGUAGES: tuple[Language, ...] = ("en", "zh", "th")
MARKET_LANGUAGES: Mapping[str, Language] = {"CN": "zh", "TH": "th"}
OutboxStatus = Literal["pending", "sent"]


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


#: (template, language) → template (the template is the notice kind, or `level_lost` for a
#: level_changed to no level); fields: program, partner_id, period and the notice's params
#: (level titles resolved, dates ISO 8601, `reasons` localised).
TEMPLATES: Mapping[tuple[str, Language], Template] = {
    ("level_changed", "en"): Template(
        "{program}: your level for {period} is {level}",
        "Your level in {program} for {period} is {level} (it was {previous_level}: {change}).",
    ),
    ("level_changed", "zh"): Template(
        "{program}：您{period}的等级为{level}",
        "您在{program}中{period}的等级为{level}（此前为{previous_level}，{change}）。",
    ),
    ("level_changed", "th"): Template(
        "{program}: ระดับของคุณสำหรับ {period} คือ {level}",
        "ระดับของคุณใน {program} สำหรับ {period} คือ {level} (เดิม {previous_level}: {change})",
    ),
    ("level_lost", "en"): Template(
        "{program}: no level for {period}",
        "You hold no level in {program} for {period} (it was {previous_level}).",
    ),
    ("level_lost", "zh"): Template(
        "{program}：您{period}暂无等级",
        "您在{program}中{period}暂无等级（此前为{previous_level}）。",
    ),
    ("level_lost", "th"): Template(
        "{program}: ไม่มีระดับสำหรับ {period}",
        "คุณไม่มีระดับใน {program} สำหรับ {period} (เดิม {previous_level})",
    ),
    ("observation_warning", "en"): Template(
        "{program}: level warning for {period}",
        "For {period} your agency is under observation in {program}: {reasons}. No level is "
        "shown while under observation; the level held before ({baseline}) is kept as the "
        "baseline. Score: {score}.",
    ),
    ("observation_warning", "zh"): Template(
        "{program}：{period}等级预警",
        "您的机构在{program}中{period}处于考察期：{reasons}。考察期内不展示等级，此前的等级"
        "（{baseline}）作为基准保留。得分：{score}。",
    ),
    ("observation_warning", "th"): Template(
        "{program}: คำเตือนระดับสำหรับ {period}",
        "สำหรับ {period} บัญชีของคุณอยู่ในช่วงสังเกตการณ์ใน {program}: {reasons} "
        "ระหว่างช่วงสังเกตการณ์จะไม่แสดงระดับ ระดับเดิม ({baseline}) ยังคงเป็นฐาน คะแนน: {score}",
    ),
    ("award_granted", "en"): Template(
        "{program}: {award} award for {for_period}",
        "Congratulations: you have been awarded {award} in {program} for {for_period}, "
        "valid from {valid_from} to {valid_to}.",
    ),
    ("award_granted", "zh"): Template(
        "{program}：{for_period}获得{award}",
        "恭喜：您在{program}中获得{for_period}的{award}，有效期为{valid_from}至{valid_to}。",
    ),
    ("award_granted", "th"): Template(
        "{program}: รางวัล {award} สำหรับ {for_period}",
        "ขอแสดงความยินดี คุณได้รับรางวัล {award} ใน {program} สำหรับ {for_period} "
        "มีผลตั้งแต่ {valid_from} ถึง {valid_to}",
    ),
    ("award_expiring", "en"): Template(
        "{program}: your {award} award expires on {valid_to}",
        "Your {award} award in {program} (for {for_period}) is valid until {valid_to}: "
        "{days_left} days left.",
    ),
    ("award_expiring", "zh"): Template(
        "{program}：您的{award}将于{valid_to}到期",
        "您在{program}中{for_period}获得的{award}有效期至{valid_to}，剩余{days_left}天。",
    ),
    ("award_expiring", "th"): Template(
        "{program}: รางวัล {award} ของคุณจะหมดอายุวันที่ {valid_to}",
        "รางวัล {award} ของคุณใน {program} (สำหรับ {for_period}) มีผลถึงวันที่ {valid_to} "
        "เหลืออีก {days_left} วัน",
    ),
    ("review_opened", "en"): Template(
        "{program}: {review} opened for {partner_id} ({window})",
        "Review opened in {program}: {review} of {partner_id} ({level}) for {window}; "
        "proposed: {proposed}; to decide: {decides}.",
    ),
    ("review_opened", "zh"): Template(
        "{program}：{partner_id}的{review}已开启（{window}）",
        "{program}中{partner_id}（{level}）{window}的{review}已开启；建议：{proposed}；"
        "待决定：{decides}。",
    ),
    ("review_opened", "th"): Template(
        "{program}: เปิด{review}สำหรับ {partner_id} ({window})",
        "เปิด{review}ของ {partner_id} ({level}) สำหรับ {window} ใน {program} แล้ว; "
        "ข้อเสนอ: {proposed}; รอการตัดสินใจ: {decides}",
    ),
    # -- Data Compass consent (rendered by tierwise.compass.messages): fields request_id,
    # partner_id, creator_id, period_from, period_to, expires_at, at (UTC texts).
    ("compass_requested", "en"): Template(
        "Data Compass: {partner_id} asks to see your data",
        "Partner {partner_id} asks to see your data for {period_from} to {period_to} "
        "(request {request_id}). Approve or decline before {expires_at}; unanswered, the "
        "request expires then.",
    ),
    ("compass_requested", "zh"): Template(
        "数据罗盘：{partner_id}申请查看您的数据",
        "合作伙伴{partner_id}申请查看您{period_from}至{period_to}的数据（申请{request_id}）。"
        "请在{expires_at}前同意或拒绝；逾期未答复，申请即失效。",
    ),
    ("compass_requested", "th"): Template(
        "Data Compass: {partner_id} ขอดูข้อมูลของคุณ",
        "พาร์ทเนอร์ {partner_id} ขอดูข้อมูลของคุณตั้งแต่ {period_from} ถึง {period_to} "
        "(คำขอ {request_id}) โปรดอนุมัติหรือปฏิเสธก่อน {expires_at} หากไม่ตอบ คำขอจะหมดอายุ",
    ),
    ("compass_approved", "en"): Template(
        "Data Compass: {creator_id} approved your request",
        "Creator {creator_id} approved request {request_id} for {period_from} to {period_to} "
        "at {at}: its history shows at once, the approval day's data from the next day.",
    ),
    ("compass_approved", "zh"): Template(
        "数据罗盘：{creator_id}已同意您的申请",
        "达人{creator_id}已于{at}同意申请{request_id}（{period_from}至{period_to}）："
        "历史数据即刻可见，同意当天的数据次日可见。",
    ),
    ("compass_approved", "th"): Template(
        "Data Compass: {creator_id} อนุมัติคำขอของคุณแล้ว",
        "ครีเอเตอร์ {creator_id} อนุมัติคำขอ {request_id} ({period_from} ถึง {period_to}) "
        "เมื่อ {at} ข้อมูลย้อนหลังดูได้ทันที ข้อมูลของวันที่อนุมัติดูได้ตั้งแต่วันถัดไป",
    ),
    ("compass_declined", "en"): Template(
        "Data Compass: {creator_id} declined your request",
        "Creator {creator_id} declined request {request_id} for {period_from} to "
        "{period_to} at {at}. You may ask again.",
    ),
    ("compass_declined", "zh"): Template(
        "数据罗盘：{creator_id}已拒绝您的申请",
        "达人{creator_id}已于{at}拒绝申请{request_id}（{period_from}至{period_to}）。"
        "您可以再次申请。",
    ),
    ("compass_declined", "th"): Template(
        "Data Compass: {creator_id} ปฏิเสธคำขอของคุณ",
        "ครีเอเตอร์ {creator_id} ปฏิเสธคำขอ {request_id} ({period_from} ถึง {period_to}) "
        "เมื่อ {at} คุณสามารถขอใหม่ได้",
    ),
    ("compass_expired", "en"): Template(
        "Data Compass: your request to {creator_id} expired",
        "Request {request_id} to creator {creator_id} for {period_from} to {period_to} "
        "had no answer by {expires_at} and has expired. You may ask again.",
    ),
    ("compass_expired", "zh"): Template(
        "数据罗盘：您向{creator_id}的申请已失效",
        "您向达人{creator_id}发出的申请{request_id}（{period_from}至{period_to}）"
        "在{expires_at}前未获答复，已失效。您可以再次申请。",
    ),
    ("compass_expired", "th"): Template(
        "Data Compass: คำขอถึง {creator_id} หมดอายุแล้ว",
        "คำขอ {request_id} ถึงครีเอเตอร์ {creator_id} ({period_from} ถึง {period_to}) "
        "ไม่ได้รับคำตอบภายใน {expires_at} จึงหมดอายุ คุณสามารถขอใหม่ได้",
    ),
    ("compass_revoked", "en"): Template(
        "Data Compass: {creator_id} revoked your access",
        "Creator {creator_id} revoked approval {request_id} ({period_from} to {period_to}) "
        "at {at}: its data stays visible through that day and is gone from the next.",
    ),
    ("compass_revoked", "zh"): Template(
        "数据罗盘：{creator_id}已撤销您的访问权限",
        "达人{creator_id}已于{at}撤销授权{request_id}（{period_from}至{period_to}）："
        "当天仍可查看，次日起不再可见。",
    ),
    ("compass_revoked", "th"): Template(
        "Data Compass: {creator_id} เพิกถอนสิทธิ์ของคุณแล้ว",
        "ครีเอเตอร์ {creator_id} เพิกถอนการอนุมัติ {request_id} ({period_from} ถึง "
        "{period_to}) เมื่อ {at} ข้อมูลยังดูได้ถึงสิ้นวันนั้น และจะหายไปตั้งแต่วันถัดไป",
    ),
    ("compass_withdrawn", "en"): Template(
        "Data Compass: {partner_id} no longer has access to your data",
        "Partner {partner_id} gave up approval {request_id} ({period_from} to {period_to}) "
        "at {at}: from the next day it no longer sees your data.",
    ),
    ("compass_withdrawn", "zh"): Template(
        "数据罗盘：{partner_id}已放弃查看您的数据",
        "合作伙伴{partner_id}已于{at}放弃授权{request_id}（{period_from}至{period_to}）："
        "次日起不再查看您的数据。",
    ),
    ("compass_withdrawn", "th"): Template(
        "Data Compass: {partner_id} ไม่มีสิทธิ์ดูข้อมูลของคุณแล้ว",
        "พาร์ทเนอร์ {partner_id} สละการอนุมัติ {request_id} ({period_from} ถึง {period_to}) "
        "เมื่อ {at} ตั้งแต่วันถัดไปจะไม่เห็นข้อมูลของคุณอีก",
    ),
}

#: Words the templates fill in, by language (English fills any gap).
WORDS: Mapping[Language, Mapping[str, str]] = {
    "en": {
        "none": "none",
        "no_level": "no level",
        "up": "up",
        "down": "down",
        "new": "new",
        "lost": "level lost",
        "unchanged": "unchanged",
        "points": "points",
        "and": "; ",
        "invitation_review": "invitation review",
        "promotion_proposal": "promotion proposal",
        "invitation_next_year": "whether the invitation continues next year",
        "invitation": "whether to invite",
    },
    "zh": {
        "none": "无",
        "no_level": "无等级",
        "up": "升级",
        "down": "降级",
        "new": "新获等级",
        "lost": "失去等级",
        "unchanged": "不变",
        "points": "得分",
        "and": "；",
        "invitation_review": "邀请复核",
        "promotion_proposal": "晋升提议",
        "invitation_next_year": "明年是否继续邀请",
        "invitation": "是否邀请",
    },
    "th": {
        "none": "ไม่มี",
        "no_level": "ไม่มีระดับ",
        "up": "เลื่อนขึ้น",
        "down": "ลดลง",
        "new": "ระดับใหม่",
        "lost": "เสียระดับ",
        "unchanged": "ไม่เปลี่ยนแปลง",
        "points": "คะแนน",
        "and": "; ",
        "invitation_review": "การทบทวนคำเชิญ",
        "promotion_proposal": "ข้อเสนอเลื่อนระดับ",
        "invitation_next_year": "จะต่อคำเชิญในปีหน้าหรือไม่",
        "invitation": "จะเชิญหรือไม่",
    },
}


def language_of(market: str | None) -> Language:
    return MARKET_LANGUAGES.get((market or "").upper(), "en")


def _word(language: Language, key: str) -> str:
    return WORDS[language].get(key) or WORDS["en"].get(key, key)


def _title(program: Program, language: Language) -> str:
    return program.title.zh if language == "zh" else program.title.en


def _level(program: Program, level_id: str | None, language: Language) -> str:
    if level_id is None:
        return _word(language, "no_level")
    if level_id not in program.level_ids:
        return level_id
    title = program.level(level_id).title
    return title.zh if language == "zh" else title.en


def _reasons(program: Program, reasons: str | None, language: Language) -> str:
    """The observation conditions that held, named in the language (百应: service points <
    140, credit score < 80); text that names no condition of the program is kept as given."""
    if not reasons:
        return _word(language, "none")
    raw = reasons.removeprefix("observation: ")
    found: list[str] = []
    for condition in program.status.observation_when:
        written = condition_text(condition)
        if written not in raw:
            continue
        found.append(f"{_subject(program, condition, language)} {_edge(written)}")
    return _word(language, "and").join(found) if found else raw


def _subject(program: Program, condition: Condition, language: Language) -> str:
    """What a condition tests, named in the language: a metric's title, a group's points."""
    key = "zh" if language == "zh" else "en"
    if condition.metric is not None:
        metric = program.metrics.get(condition.metric)
        title = metric.title if metric is not None else None
        return condition.metric if title is None else getattr(title, key)
    groups = getattr(program.scoring, "groups", ())
    group = next((g for g in groups if g.name == condition.component), None)
    base = (group.title.get(key) if group is not None else None) or str(condition.component)
    points = _word(language, "points")
    return {"zh": f"{base}{points}", "th": f"{points} {base}"}.get(language, f"{base} {points}")


def _edge(text: str) -> str:
    """`service points < 140` → `< 140` (the comparison is written the same in every
    language)."""
    for op in ("≥", "≤", "<", ">", "="):
        at = text.find(f" {op} ")
        if at >= 0:
            return text[at + 1 :]
    return text


def render(program: Program, notice: Notice, language: Language) -> tuple[Language, str, str]:
    """(language used, subject, body) for a notice; English when the language has no
    template for its kind."""
    params = dict(notice.params)
    lost = notice.kind == "level_changed" and params.get("level") is None
    name = "level_lost" if lost else notice.kind
    template = TEMPLATES.get((name, language))
    if template is None:
        language = "en"
        template = TEMPLATES[(name, "en")]
    fields: dict[str, str] = {
        key: (_word(language, "none") if value is None else value) for key, value in params.items()
    }
    fields.update(program=_title(program, language), partner_id=notice.partner_id)
    fields["period"] = notice.period
    for key in ("level", "previous_level", "computed_level", "baseline", "award"):
        if key in params or key in ("level", "previous_level"):
            fields[key] = _level(program, params.get(key), language)
    if params.get("proposed") is not None:
        fields["proposed"] = _level(program, params["proposed"], language)
    if notice.kind == "level_changed":
        fields["change"] = _word(language, params.get("change") or "unchanged")
    if notice.kind == "observation_warning":
        fields["reasons"] = _reasons(program, params.get("reasons"), language)
    if notice.kind == "review_opened":
        fields["review"] = _word(language, params.get("review") or "review")
        fields["decides"] = _word(language, params.get("decides") or "none")
    return (
        language,
        template.subject.format_map(_Fields(fields)),
        template.body.format_map(_Fields(fields)),
    )


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


#: What makes two notices "the same notice", per kind, besides program, partner, period.
_SAME: Mapping[str, tuple[str, ...]] = {
    "level_changed": ("previous_level", "level"),
    "observation_warning": (),
    "award_granted": ("award", "for_period"),
    "award_expiring": ("award", "valid_to"),
    "review_opened": ("review", "window", "proposed"),
}


def dedupe_key(notice: Notice) -> str:
    """`program/partner/kind/period[/what]`: one message per notice, whatever the day."""
    what = [str(notice.params.get(key)) for key in _SAME.get(notice.kind, ())]
    return "/".join([notice.program_id, notice.partner_id, notice.kind, notice.period, *what])


class Outbox:
    """The outbox of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_notices(
        self,
        program: Program,
        notices: Iterable[Notice],
        partner_markets: Mapping[str, str],
    ) -> builtins.list[OutboxMessage]:
        """Render and queue the notices not queued before; returns the new messages.

        `partner_markets` maps a partner to its market (`CN`, `TH`, …); a partner not in
        it takes the program's market when the program has only one.

        Queuing for one program is one step at a time (its outbox lock), so a publication
        and a reminder job queuing the same notice at once add it once."""
        pending = builtins.list(notices)
        for program_id in sorted({n.program_id for n in pending}):
            hold_until_commit(self.session, "outbox", program_id)
        queued = self._queued({dedupe_key(n) for n in pending})
        default_market = program.markets[0] if len(program.markets) == 1 else None
        created = now(self.session)
        added: builtins.list[OutboxMessage] = []
        for notice in pending:
            key = dedupe_key(notice)
            if key in queued:
                continue
            queued.add(key)
            market = partner_markets.get(notice.partner_id, default_market)
            language, subject, body = render(program, notice, language_of(market))
            message = OutboxMessage(
                created_at=created,
                program_id=notice.program_id,
                partner_id=notice.partner_id,
                period=notice.period,
                kind=notice.kind,
                language=language,
                subject=subject,
                body=body,
                status="pending",
                dedupe_key=key,
                notice=notice.to_dict(),
            )
            self.session.add(message)
            added.append(message)
        self.session.flush()
        return added

    def _queued(self, keys: set[str], chunk: int = 500) -> set[str]:
        """The keys already in the outbox."""
        ordered = sorted(keys)
        found: set[str] = set()
        for at in range(0, len(ordered), chunk):
            part = ordered[at : at + chunk]
            query = sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(part))
            found.update(self.session.scalars(query))
        return found

    def list(
        self,
        status: OutboxStatus | None = None,
        partner_id: str | None = None,
        *,
        program_id: str | None = None,
        newest_first: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> builtins.list[OutboxMessage]:
        """Messages in the order queued (or the reverse), a page of them with `limit`."""
        order = OutboxMessage.id.desc() if newest_first else OutboxMessage.id
        query = self._where(sa.select(OutboxMessage), status, partner_id, program_id)
        query = query.order_by(order).offset(offset).limit(limit)
        return builtins.list(self.session.scalars(query))

    def count(
        self,
        status: OutboxStatus | None = None,
        partner_id: str | None = None,
        *,
        program_id: str | None = None,
    ) -> int:
        query = self._where(
            sa.select(sa.func.count()).select_from(OutboxMessage), status, partner_id, program_id
        )
        return int(self.session.scalar(query) or 0)

    @staticmethod
    def _where(
        query: sa.Select[Any],
        status: OutboxStatus | None,
        partner_id: str | None,
        program_id: str | None,
    ) -> sa.Select[Any]:
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        if partner_id is not None:
            query = query.where(OutboxMessage.partner_id == partner_id)
        if program_id is not None:
            query = query.where(OutboxMessage.program_id == program_id)
        return query

    def mark_sent(self, message_ids: Iterable[int], at: datetime | None = None) -> int:
        """For the mailer: mark messages sent; returns how many were pending."""
        ids = builtins.list(message_ids)
        if not ids:
            return 0
        result = self.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(status="sent", sent_at=at or now(self.session))
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))
