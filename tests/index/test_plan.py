"""`--factory auto`: exact while it fits the budget, then IVF-Flat, then IVF-PQ, saying why."""

import pytest

from hyperlink.errors import InputError
from hyperlink.index import build_index, parse_bytes, plan_index
from hyperlink.index.plan import estimate_bytes, ivf_lists


def test_estimates_by_the_documented_formulas():
    assert estimate_bytes("flat", 1000, 64) == 1000 * (256 + 8) + 4 * 1024 * 1000
    assert estimate_bytes("ivf-flat", 1000, 64, nlist=16) == 1000 * (256 + 8) + 16 * (256 + 48)
    assert estimate_bytes("ivf-pq", 1000, 64, nlist=16, m=16) == 1000 * (16 + 8) + 16 * (256 + 48) + 256 * 256
    assert ivf_lists(1_000_000) == 4096 and ivf_lists(0) == 1


def test_choice_under_shrinking_budgets():
    n, d = 1000, 64
    flat, ivf = estimate_bytes("flat", n, d), estimate_bytes("ivf-flat", n, d, 16)
    assert plan_index(n, d, flat).factory == "Flat"
    chosen = plan_index(n, d, flat - 1)
    assert chosen.factory == "IVF16,Flat" and "Flat would take 4.2 MiB" in chosen.reason
    chosen = plan_index(n, d, ivf - 1)
    assert chosen.factory == "IVF16,PQ32" and chosen.estimate <= ivf - 1  # the largest code that fits (d/2)
    assert "IVF16,Flat 262.6 KiB" in chosen.reason
    assert plan_index(n, d, 80_000).factory == "IVF16,PQ1"  # the codebooks (64 KiB) dominate
    with pytest.raises(InputError, match="too small for 1000 vectors of 64 dims.*raise --max-memory"):
        plan_index(n, d, 1000)


@pytest.mark.parametrize("bad", ["", "6X", "-1G", "0"])
def test_bad_sizes_are_refused(bad):
    with pytest.raises(InputError, match="--max-memory"):
        parse_bytes(bad)


def test_index_command_prints_its_choice(indexed_360, cli, tmp_path):
    store, name = indexed_360
    db = str(tmp_path / "hyperlink.db")
    # 359 vectors of 6 dims: Flat 1.4 MiB (its search block), IVF8,Flat 11.8 KiB, IVF8,PQ1 9.7 KiB
    budgets = {"1G": "Flat (exact): 1.4 MiB within 1.0 GiB", "12K": "IVF8,Flat: 11.8 KiB within 12.0 KiB",
               "10K": "IVF8,PQ1: 9.7 KiB within 10.0 KiB (Flat would take 1.4 MiB; IVF8,Flat 11.8 KiB)"}
    for budget, why in budgets.items():
        code, _, err = cli("index", "--model", name, "--max-memory", budget, "--device", "cpu", db_path=db)
        assert code == 0, err
        assert f"index: {why}" in err, err
        if "IVF" in why:
            assert "; nprobe " in err and "recall@100" in err and "sample queries" in err
    code, _, err = cli("index", "--model", name, "--max-memory", "100", db_path=db)
    assert code == 3 and "--max-memory 100 B is too small" in err


def test_library_choice_is_recorded(indexed, tmp_path):
    store, name = indexed
    index = build_index(store, name, tmp_path / "idx", factory="auto", max_memory="20K", device="cpu")
    assert index.manifest.factory == "IVF2,Flat" and index.manifest.choice.startswith("IVF2,Flat: 3.0 KiB within 20.0 KiB")
    assert index.manifest.recall == 1.0
