"""Which release a rollback goes to: one round trip per host reads the releases there and,
on the primary, the history and what each release's deploy recorded."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import history
from ..errors import DeployError, UsageError
from ..releases import records, worktree
from ..remote.round_trip import Question, ask, new_marker


@dataclass(frozen=True)
class Found:
    """What the hosts hold: the release live on the primary, the target, the records."""

    current: str | None
    target: str
    metas: dict[str, dict] = field(default_factory=dict)  # release -> what its deploy recorded


def choose(fleet, to: str | None) -> Found:
    """The newest good release older than the current one on every host, or ``to``.

    Good: not a failed deploy and never rolled back from (``records.bad_releases``)."""
    answers = dict(zip(fleet.hosts, fleet.each(lambda n, h: _read(fleet, n, h)), strict=True))
    listings = {name: listing for name, (listing, _, _) in answers.items()}
    _, events, metas = answers[fleet.environment.primary.name]
    current = listings[fleet.environment.primary.name].current
    everywhere = set.intersection(*(set(listing.releases) for listing in listings.values()))
    if to:
        if to not in everywhere:
            raise UsageError(
                f"release {to} is not on every host; releases there: "
                f"{', '.join(sorted(everywhere)) or 'none'}"
            )
        return Found(current, to, metas)
    bad = records.bad_releases(events)
    older = [n for n in sorted(everywhere) if current and n < current and n not in bad]
    if not older:
        raise DeployError("no earlier good release on every host to roll back to")
    return Found(current, older[-1], metas)


def _read(fleet, name, host) -> tuple[worktree.Listing, list, dict]:
    layout, marker = fleet.layout(name), new_marker()
    primary = host is fleet.primary
    questions = [Question("listing", worktree.listing(layout))]
    if primary:
        questions += [
            Question("history", history.read_command(layout, None)),
            Question("metas", records.every_meta_command(layout, marker + "-record")),
        ]
    answers = ask(host, questions, marker)
    for question in questions:
        answer = answers.get(question.name)
        if answer is None or not answer.ok:
            detail = answer.output.strip() if answer else "no answer"
            raise DeployError(f"reading the {question.name} on {name} failed: {detail}")
    listing = worktree.parse_listing(answers["listing"].output)
    if not primary:
        return listing, [], {}
    return (
        listing,
        history.parse_lines(answers["history"].output),
        records.parse_metas(answers["metas"].output, marker + "-record"),
    )
