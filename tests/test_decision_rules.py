"""The consortium's rule applied to a count: each rule, the quorum, the casting vote on a tie."""
from __future__ import annotations

from plugin.features.decisions.rules import DEFAULT_RULE, apply_rule

MOTION = ["Pour", "Contre", "Abstention"]


def rule(**changes) -> dict:
    return {**DEFAULT_RULE, **changes}


def test_simple_majority_adopts_with_more_than_half_of_the_expressed_votes():
    verdict = apply_rule(rule(), MOTION, [3, 2, 4], voters=9, electorate=10)
    assert (verdict.outcome, verdict.chosen) == ("adopted", 0)      # abstentions are not expressed votes
    assert apply_rule(rule(), MOTION, [2, 3, 0], voters=5, electorate=6).outcome == "rejected"


def test_two_thirds_needs_two_thirds():
    two_thirds = rule(kind="qualified", numerator=2, denominator=3)
    assert apply_rule(two_thirds, MOTION, [4, 2, 0], voters=6, electorate=6).outcome == "adopted"
    assert apply_rule(two_thirds, MOTION, [3, 2, 0], voters=5, electorate=6).outcome == "rejected"


def test_consensus_fails_on_one_objection_and_tolerates_abstentions():
    consensus = rule(kind="consensus")
    assert apply_rule(consensus, MOTION, [4, 0, 2], voters=6, electorate=6).outcome == "adopted"
    assert apply_rule(consensus, MOTION, [5, 1, 0], voters=6, electorate=6).outcome == "rejected"


def test_unanimity_needs_every_voter_for_the_same_option():
    unanimity = rule(kind="unanimity")
    assert apply_rule(unanimity, MOTION, [5, 0, 0], voters=5, electorate=5).outcome == "adopted"
    assert apply_rule(unanimity, MOTION, [4, 0, 1], voters=5, electorate=5).outcome == "rejected"
    assert apply_rule(unanimity, MOTION, [4, 0, 0], voters=4, electorate=5).outcome == "rejected"


def test_quorum_missed():
    verdict = apply_rule(rule(quorum=50), MOTION, [2, 0, 0], voters=2, electorate=5)
    assert (verdict.outcome, verdict.quorum) == ("no_quorum", 3)


def test_casting_vote_settles_a_tie_and_without_it_a_tie_rejects():
    tie = [2, 2, 0]
    settled = apply_rule(rule(casting=7), MOTION, tie, voters=4, electorate=4, casting_choice=0)
    assert (settled.outcome, settled.chosen, settled.casting_used) == ("adopted", 0, True)
    against = apply_rule(rule(casting=7), MOTION, tie, voters=4, electorate=4, casting_choice=1)
    assert against.outcome == "rejected" and against.casting_used
    assert apply_rule(rule(), MOTION, tie, voters=4, electorate=4).outcome == "rejected"


def test_options_of_the_groups_own_choose_the_winner():
    verdict = apply_rule(rule(), ["Lyon", "Vienne"], [1, 3], voters=4, electorate=4)
    assert (verdict.outcome, verdict.chosen) == ("adopted", 1)
