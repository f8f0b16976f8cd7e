"""The `tierwise` command: the Typer application and its command groups.

`COMMANDS` names every command and command group with the modules that register it, so
that a command imports only what it uses (`cli/lazy.py`). A new command (or group) is one
entry; a new command of an existing group needs none.
"""

from __future__ import annotations

import typer

from tierwise.cli.lazy import Lazy, LazyGroup

_OPERATE = ("tierwise.cli.operate",)
_COMPASS = (
    "tierwise.cli.compass",
    "tierwise.cli.compass_analytics",
    "tierwise.cli.compass_modules",
)

#: Command or group → the modules that register it, and its line in `tierwise --help`
#: (in the order of the help; `tests/test_cli_startup.py` checks both against the commands).
COMMANDS: dict[str, Lazy] = {
    "evaluate": Lazy(
        ("tierwise.cli.evaluate",),
        "Score every partner of a program for one period (no lifecycle history).",
    ),
    "explain": Lazy(
        ("tierwise.cli.evaluate",),
        "Every metric's value and points, the gap to the next level, the margin to keep.",
    ),
    "project": Lazy(
        ("tierwise.cli.projection",),
        "If the running period ended on the data's last day: a partner's projected score,\n"
        "level and lifecycle outcome, and what each metric needs per day left.",
    ),
    "overview": Lazy(
        ("tierwise.cli.overview",),
        "Evaluate every program for its latest complete period; count partners per level.",
    ),
    "run": Lazy(
        ("tierwise.cli.runs",),
        "Evaluate every period from --from to --to in order and apply the level lifecycle.",
    ),
    "publish": Lazy(
        _OPERATE,
        "Make a run's levels the displayed ones (a run that failed the data gate cannot be).",
    ),
    "diff": Lazy(
        _OPERATE,
        "Who moves up, down, in or out between two runs; counts per level; who is close.",
    ),
    "whatif": Lazy(
        _OPERATE,
        "Evaluate a changed definition on the same data and diff it against the published\n"
        "run of the period. Changes nothing.",
    ),
    "levels": Lazy(
        _OPERATE,
        "The displayed levels: each program's latest published run, partners per level.",
    ),
    "excellence": Lazy(
        _OPERATE,
        "The annual excellent partners: quarterly evaluations averaged over the published\n"
        "quarters of the year, the best of each class.",
    ),
    "report": Lazy(
        ("tierwise.cli.report",),
        "A partner's report (--partner) or the program report of a published period, as\n"
        "PDF, HTML or xlsx, in English, Chinese or Thai.",
    ),
    "serve": Lazy(
        ("tierwise.cli.serve",),
        "Serve the portal at http://HOST:PORT/ and the API at /api/v1/ (OpenAPI document at\n"
        "/api/v1/openapi.json).",
    ),
    "data": Lazy(
        ("tierwise.cli.data_load", "tierwise.cli.data_generate"),
        "Generate, load and inspect platform data.",
    ),
    "import": Lazy(
        ("tierwise.cli.importing",),
        "Read TikTok Shop, Douyin or 巨量百应 payloads into the canonical contract.",
    ),
    "programs": Lazy(("tierwise.cli.programs",), "List and check program definitions."),
    "compass": Lazy(
        _COMPASS,
        "Data Compass: creators' numbers a partner may see, and the creators' consent.",
    ),
    "audit": Lazy(_OPERATE, "The hash-chained audit log."),
    "outbox": Lazy(_OPERATE, "Notifications waiting for a mailer."),
    "appeals": Lazy(_OPERATE, "Restate periods after appeals."),
    "decisions": Lazy(_OPERATE, "Operator decisions."),
    "tsp": Lazy(("tierwise.cli.tsp",), "TSP registrations and sanctions (exclude, forfeit)."),
    "users": Lazy(("tierwise.cli.users",), "Accounts for the portal and the API."),
    "events": Lazy(
        ("tierwise.cli.events",),
        "Live events: fold finished days into the store, replay a day to a server.",
    ),
}


class _TopLevel(LazyGroup):
    """`tierwise` itself: the commands of `COMMANDS`, registered on `app`."""

    table = COMMANDS


app = typer.Typer(
    name="tierwise",
    help="Grade platform partners into levels from raw platform data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_TopLevel,
)
_TopLevel.application = app
data_app = typer.Typer(help="Generate, load and inspect platform data.", no_args_is_help=True)
programs_app = typer.Typer(help="List and check program definitions.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(programs_app, name="programs")
compass_app = typer.Typer(
    help="Data Compass: creators' numbers a partner may see, and the creators' consent.",
    no_args_is_help=True,
)
app.add_typer(compass_app, name="compass")
