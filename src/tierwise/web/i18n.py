"""The portal's two languages. A page's words come from here by key; a key missing in
Chinese falls back to English, and a key missing in English fails the test suite."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LANGUAGES = ("en", "zh")
LANG_COOKIE = "tierwise_lang"

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "app": "tierwise",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "login": "Login",
        "password": "Password",
        "wrong_login": "Wrong login or password.",
        "throttled": "Too many failed sign-ins. Try again in {seconds} s.",
        "signed_out": "You are signed out.",
        "please_sign_in": "Please sign in to continue.",
        "language": "Language",
        "error": "Error",
        "not_found": "Not found",
        "forbidden": "You cannot do this.",
        "home": "Home",
        "directory": "Partner directory",
        "dashboard": "Dashboard",
        "operator": "Operations",
        "creator": "My agencies",
    },
    "zh": {
        "app": "tierwise",
        "sign_in": "登录",
        "sign_out": "退出登录",
        "login": "账号",
        "password": "密码",
        "wrong_login": "账号或密码错误。",
        "throttled": "登录失败次数过多，请 {seconds} 秒后再试。",
        "signed_out": "您已退出登录。",
        "please_sign_in": "请先登录。",
        "language": "语言",
        "error": "错误",
        "not_found": "未找到",
        "forbidden": "您无权执行此操作。",
        "home": "首页",
        "directory": "服务商名录",
        "dashboard": "看板",
        "operator": "运营",
        "creator": "我的机构",
    },
}


def translator(language: str) -> Callable[..., str]:
    words = MESSAGES.get(language, MESSAGES["en"])

    def t(key: str, **params: Any) -> str:
        text = words.get(key) or MESSAGES["en"][key]
        return text.format(**params) if params else text

    return t


def pick(text: Mapping[str, Any] | None, language: str) -> Any:
    """The `language` side of an {en, zh} text (English when that side is empty)."""
    if not text:
        return ""
    return text.get(language) or text.get("en") or ""
