"""The words of a summary, shared by the page, the PDF and the exports: one translation each."""

from __future__ import annotations

from collections.abc import Sequence

from babel.lists import format_list
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from pulse.med.summary import FALL_AT_LEAST, INDEX_BELOW, RATE_BELOW, Attention, Quarter


def number(value: float | None) -> str:
    """One decimal in the user's language (52,3 in Danish); a dash for no figure."""
    return "–" if value is None else format_decimal(value, "#,##0.0")


def signed(value: float | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + format_decimal(value, "#,##0.0")


def long_date(day) -> str:
    return format_date(day, "long")


def quarter_name(quarter: Quarter) -> str:
    return _("Q%(number)d %(year)d", number=quarter.number, year=quarter.year)


def period(quarter: Quarter) -> str:
    last = quarter.end.toordinal() - 1
    from datetime import date

    return _(
        "%(start)s to %(end)s",
        start=format_date(quarter.start, "long"),
        end=format_date(date.fromordinal(last), "long"),
    )


def attention_rule() -> str:
    return _(
        "A unit needs attention when a theme's index is below %(index)s, when it fell by "
        "%(fall)s points or more since the previous quarter, or when fewer than %(rate)s %% "
        "answered. Only released figures count.",
        index=format_decimal(INDEX_BELOW, "0"),
        fall=format_decimal(FALL_AT_LEAST, "0"),
        rate=format_decimal(RATE_BELOW, "0"),
    )


def attention_reasons(attention: Attention, names: dict[str, str]) -> list[str]:
    texts = []
    for kind, dimension_id, value in attention.reasons:
        theme = names.get(dimension_id, dimension_id)
        if kind == "index_below":
            texts.append(_("%(theme)s: index %(value)s", theme=theme, value=number(value)))
        elif kind == "fall":
            texts.append(_("%(theme)s: fell %(value)s points", theme=theme, value=number(-value)))
        else:
            texts.append(_("Response rate %(value)s %%", value=number(value)))
    return texts


def how_anonymous(thresholds: Sequence[int]) -> list[str]:
    """How the figures were made anonymous, for the page and the PDF's cover: `thresholds`,
    the k of each of the quarter's rounds (a two-party change may have changed it between
    rounds; a round keeps the k it opened with)."""
    ks = sorted(set(thresholds))
    if len(ks) == 1:
        threshold = _(
            "A group's figure is shown only when at least %(k)d people in it answered, and "
            "figures that would let a smaller group be worked out by subtraction are hidden too.",
            k=ks[0],
        )
    else:
        threshold = _(
            "A group's figure is shown only when enough people in it answered: at least "
            "%(ks)s, as the threshold changed during the quarter (each round keeps the one it "
            "opened with). Figures that would let a smaller group be worked out by subtraction "
            "are hidden too.",
            ks=format_list([str(k) for k in ks], style="or", locale=get_locale()),
        )
    return [
        _(
            "Every figure comes from the release table: when a round is released, its answers "
            "are turned into figures once and then destroyed. Nothing here is computed from "
            "answers."
        ),
        threshold,
        _(
            "A quarter's index is the mean of the released round figures, weighted by how many "
            "answered. A figure hidden in a round stays out of the quarter; the tables say how "
            "many rounds were hidden."
        ),
    ]
