"""The offline evaluation: leave-last-out hit rate against the popularity baseline."""

import pytest
from django.core.management import call_command

from shop.marketing.evaluation import evaluate, generated_histories


def test_a_perfect_pattern_is_found_and_beats_popularity():
    # Buyers of 1 buy 2 and 3 too, in either order; each one's last purchase is held out,
    # so the others' histories show it goes with 1.
    histories = {f"a{n}": [1, 2, 3] for n in range(5)} | {f"b{n}": [1, 3, 2] for n in range(5)}
    histories |= {f"pop{n}": [9, 8] for n in range(8)}  # 9: the best seller, bought alone
    result = evaluate(histories, k=1, min_support=2)
    assert result.customers == 18
    assert result.hit_rate == pytest.approx(10 / 18)
    assert result.popularity_hit_rate == 0.0


def test_the_generated_history_is_reproducible():
    catalog = {1: list(range(1, 10)), 2: list(range(10, 20))}
    assert generated_histories(catalog, customers=50, seed=3) == generated_histories(
        catalog, customers=50, seed=3
    )


@pytest.mark.django_db
def test_the_command_prints_both_figures(capsys, planted):
    call_command("evaluate_recommendations", "--generated", "300")
    out = capsys.readouterr().out
    assert "Shop history:" in out
    assert "hit rate at 10: recommendations" in out
    assert "popularity" in out
