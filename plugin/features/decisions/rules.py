"""Applying a consortium's rule to a count: quorum, majority, qualified majority, consensus (no
objection), unanimity, and the casting vote on a tie. Pure functions over plain data."""
from __future__ import annotations

import math
from dataclasses import dataclass

from plugin.kernel.text import fold

DEFAULT_RULE = {"kind": "majority", "numerator": 1, "denominator": 2, "quorum": 50, "casting": None,
                "casting_name": None, "per_person": False}
# Options that say "no" or "neither" whatever the language: an objection rejects, an abstention counts
# for the quorum but is not an expressed vote.
OBJECTIONS = frozenset({"contre", "against", "non", "no", "objection", "rejeter", "reject"})
ABSTENTIONS = frozenset({"abstention", "abstentions", "abstain", "blanc", "blank", "ne se prononce pas"})


def is_objection(label: str) -> bool:
    return fold(label) in OBJECTIONS


def is_abstention(label: str) -> bool:
    return fold(label) in ABSTENTIONS


@dataclass(frozen=True)
class Verdict:
    outcome: str                 # adopted | rejected | no_quorum
    chosen: int | None           # the option that carried, when one did
    voters: int                  # voting units that voted
    electorate: int              # voting units that could vote
    quorum: int                  # voting units needed
    casting_used: bool = False

    def as_dict(self, counts: list[int]) -> dict:
        return {"outcome": self.outcome, "chosen": self.chosen, "voters": self.voters,
                "electorate": self.electorate, "quorum": self.quorum, "casting": self.casting_used,
                "counts": counts}


def quorum_needed(rule: dict, electorate: int) -> int:
    return max(1, math.ceil(electorate * rule["quorum"] / 100)) if electorate else 1


def apply_rule(rule: dict, options: list[str], counts: list[int], voters: int, electorate: int,
               casting_choice: int | None = None) -> Verdict:
    """The outcome of a count under ``rule`` (``casting_choice``: what the casting voter chose, when known)."""
    quorum = quorum_needed(rule, electorate)

    def verdict(outcome: str, chosen: int | None = None, casting: bool = False) -> Verdict:
        return Verdict(outcome, chosen, voters, electorate, quorum, casting)

    if voters < quorum:
        return verdict("no_quorum")
    expressed = {i: n for i, n in enumerate(counts) if not is_abstention(options[i])}
    total = sum(expressed.values())
    if total == 0:
        return verdict("rejected")
    ranked = sorted(expressed.items(), key=lambda pair: -pair[1])
    top, top_votes = ranked[0]
    kind = rule["kind"]
    if kind in ("consensus", "unanimity"):
        others = total - top_votes
        everyone = kind == "consensus" or (voters == electorate and sum(counts) == top_votes)
        if others == 0 and everyone and not is_objection(options[top]):
            return verdict("adopted", top)
        return verdict("rejected")
    casting = False
    if len(ranked) > 1 and ranked[1][1] == top_votes:       # a tie at the top
        tied = {i for i, n in ranked if n == top_votes}
        if casting_choice not in tied:
            return verdict("rejected")
        top, casting = casting_choice, True
    needed = rule["numerator"] / rule["denominator"]
    share = top_votes / total
    carried = share >= needed if kind == "qualified" else (share > needed or casting)
    if not carried or is_objection(options[top]):
        return verdict("rejected", top if carried else None, casting)
    return verdict("adopted", top, casting)
