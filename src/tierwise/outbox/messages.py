"""What a notice says, in the partner's language: the templates (en, zh, th), the words
they use, and rendering a lifecycle notice into a subject and a body.

Chinese (`zh`) for CN partners, Thai (`th`) for TH, English (`en`) otherwise; a kind with
no template in a language falls back to English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from tierwise.definitions.model import Program
from tierwise.definitions.scoring import Condition
from tierwise.lifecycle import Notice
from tierwise.scoring.status import text as condition_text

Language = Literal["en", "zh", "th"]

LANGUAGES: tuple[Language, ...] = ("en", "zh", "th")
MARKET_LANGUAGES: Mapping[str, Language] = {"CN": "zh", "TH": "th"}


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
    # The warning as a program that withholds observation sends it (百应): no score.
    ("observation_withheld", "en"): Template(
        "{program}: level warning for {period}",
        "For {period} your agency is under observation in {program}: {reasons}. No level is "
        "shown while under observation; the level held before ({baseline}) is kept as the "
        "baseline.",
    ),
    ("observation_withheld", "zh"): Template(
        "{program}：{period}等级预警",
        "您的机构在{program}中{period}处于考察期：{reasons}。考察期内不展示等级，此前的等级"
        "（{baseline}）作为基准保留。",
    ),
    ("observation_withheld", "th"): Template(
        "{program}: คำเตือนระดับสำหรับ {period}",
        "สำหรับ {period} บัญชีของคุณอยู่ในช่วงสังเกตการณ์ใน {program}: {reasons} "
        "ระหว่างช่วงสังเกตการณ์จะไม่แสดงระดับ ระดับเดิม ({baseline}) ยังคงเป็นฐาน",
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
    ("award_withheld", "en"): Template(
        "{program}: no award for {period}",
        "Your score in {program} for {period} reaches {award}, but no award is given: {why}.",
    ),
    ("award_withheld", "zh"): Template(
        "{program}：{period}未获颁奖项",
        "您在{program}中{period}的得分达到{award}，但未获颁奖项：{why}。",
    ),
    ("award_withheld", "th"): Template(
        "{program}: ไม่มีรางวัลสำหรับ {period}",
        "คะแนนของคุณใน {program} สำหรับ {period} ถึงระดับ {award} แต่ไม่ได้รับรางวัล: {why}",
    ),
    ("award_forfeited", "en"): Template(
        "{program}: your {award} award for {for_period} is forfeited",
        "Your {award} award in {program} for {for_period} is forfeited and may no longer be "
        "used: {reason}.",
    ),
    ("award_forfeited", "zh"): Template(
        "{program}：您{for_period}的{award}已被取消",
        "您在{program}中{for_period}获得的{award}已被取消，不得再使用：{reason}。",
    ),
    ("award_forfeited", "th"): Template(
        "{program}: รางวัล {award} สำหรับ {for_period} ของคุณถูกริบ",
        "รางวัล {award} ของคุณใน {program} สำหรับ {for_period} ถูกริบและไม่สามารถใช้ได้อีก: {reason}",
    ),
    ("excluded", "en"): Template(
        "{program}: you are excluded from {from_period}",
        "You are excluded from {program} from {from_period} on: no award is given to you. "
        "Reason: {reason}.",
    ),
    ("excluded", "zh"): Template(
        "{program}：自{from_period}起您被排除在外",
        "自{from_period}起您被排除在{program}之外，不再获颁任何奖项。原因：{reason}。",
    ),
    ("excluded", "th"): Template(
        "{program}: คุณถูกตัดสิทธิ์ตั้งแต่ {from_period}",
        "คุณถูกตัดสิทธิ์จาก {program} ตั้งแต่ {from_period} เป็นต้นไป จะไม่ได้รับรางวัลใด ๆ เหตุผล: {reason}",
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
    ("binding_quota_exceeded", "en"): Template(
        "{program}: more creators bound than {level} allows",
        "On {on} your agency holds {held} creators counted against the binding quota "
        "({counted}); {level} allows {limit}. Bound beyond the quota: {creators}. A "
        "higher level raises the quota; until then, end these bindings.",
    ),
    ("binding_quota_exceeded", "zh"): Template(
        "{program}：绑定达人数超出{level}的限额",
        "{on}，您的机构计入绑定限额的达人（{counted}）共{held}人，{level}可绑定{limit}人。"
        "超出限额绑定的达人：{creators}。提升等级可提高限额；在此之前请解除这些绑定。",
    ),
    ("binding_quota_exceeded", "th"): Template(
        "{program}: ผูกครีเอเตอร์เกินกว่าที่ระดับ {level} อนุญาต",
        "ณ วันที่ {on} บัญชีของคุณมีครีเอเตอร์ที่นับรวมในโควตาการผูก ({counted}) {held} คน "
        "ระดับ {level} อนุญาต {limit} คน ครีเอเตอร์ที่ผูกเกินโควตา: {creators} "
        "ระดับที่สูงขึ้นจะเพิ่มโควตา ระหว่างนี้โปรดยกเลิกการผูกเหล่านี้",
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
        "not_registered": "you did not register for this period (registration is opt-in, "
        "per category and quarter)",
        "excluded": "you are excluded from the program",
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
        "not_registered": "您未报名参加本期（按类别和季度自愿报名）",
        "excluded": "您已被排除在本计划之外",
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
        "not_registered": "คุณไม่ได้ลงทะเบียนสำหรับช่วงนี้ (ลงทะเบียนโดยสมัครใจ ตามหมวดหมู่และไตรมาส)",
        "excluded": "คุณถูกตัดสิทธิ์จากโครงการ",
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


#: What a notice of a withheld period does not tell the partner.
_WITHHELD_PARAMS = ("score", "computed_level")


def _withheld(program: Program, notice: Notice) -> bool:
    """Whether `notice` tells of a period whose score and level the program withholds
    from the partner: its observation warning, and the notice that it holds no level
    then (a program that withholds a status gives no level in it)."""
    if notice.kind == "observation_warning":
        return program.visibility.withholds("observation")
    lost = notice.kind == "level_changed" and notice.params.get("level") is None
    return lost and bool(program.visibility.withheld_in)


def shown_to_partner(program: Program, notice: Notice) -> Notice:
    """The notice as the partner is told it: a program that withholds observation (百应)
    sends the warning, its reasons and the baseline, and the notice of no level with the
    level before, never the period's score or computed level (the results keep them for
    operators)."""
    if not _withheld(program, notice):
        return notice
    params = {k: v for k, v in notice.params.items() if k not in _WITHHELD_PARAMS}
    return replace(notice, params=params)


def render(program: Program, notice: Notice, language: Language) -> tuple[Language, str, str]:
    """(language used, subject, body) for a notice, as the partner is told it (see
    `shown_to_partner`); English when the language has no template for its kind."""
    notice = shown_to_partner(program, notice)
    params = dict(notice.params)
    lost = notice.kind == "level_changed" and params.get("level") is None
    name: str = "level_lost" if lost else notice.kind
    if notice.kind == "observation_warning" and _withheld(program, notice):
        name = "observation_withheld"
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
    fields.update(_kind_fields(program, notice, language))
    return (
        language,
        template.subject.format_map(_Fields(fields)),
        template.body.format_map(_Fields(fields)),
    )


def _kind_fields(program: Program, notice: Notice, language: Language) -> dict[str, str]:
    """The words one kind of notice adds, in the language."""
    params = notice.params
    if notice.kind == "level_changed":
        return {"change": _word(language, params.get("change") or "unchanged")}
    if notice.kind == "observation_warning":
        return {"reasons": _reasons(program, params.get("reasons"), language)}
    if notice.kind == "award_withheld":
        why = _word(language, params.get("reason") or "not_registered")
        note = params.get("note")
        return {"why": f"{why} ({note})" if note else why}
    if notice.kind == "review_opened":
        return {
            "review": _word(language, params.get("review") or "review"),
            "decides": _word(language, params.get("decides") or "none"),
        }
    quota = program.binding_quota
    if notice.kind == "binding_quota_exceeded" and quota is not None:
        counted = program.metrics.get(quota.counted_by)
        title = None if counted is None else counted.title
        name = quota.counted_by if title is None else (title.zh if language == "zh" else title.en)
        return {"counted": name}
    return {}


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


#: What makes two notices "the same notice", per kind, besides program, partner, period.
