"""Evaluation: runs and qrels I/O, time-overlap relevance, segment measures, MAiSP, document measures,
significance and plots -- the official MediaEval/TRECVID hyperlinking numbers, reproduced exactly.

Typical use::

    from hyperlink.evaluate import evaluate_files
    report = evaluate_files("qrels.txt", ["run_a.txt.gz", "run_b.txt"])
    report.runs[0].all["map"], report.runs[0].per_anchor["anchor_1"]["P_10"]

``map`` is the official AP, which can exceed 1 (every target on a relevant segment counts);
``map_once`` is the variant that counts each relevant segment once (see ``measures.py``).
"""

from .documents import category_retrieval, evaluate_rankings
from .measures import MEASURES
from .report import DEFAULT_MEASURES, EvalOptions, Report, RunResult, evaluate_files, evaluate_run, select_measures
from .trec import RunLine, read_qrels, read_run, write_run

__all__ = [
    "DEFAULT_MEASURES",
    "EvalOptions",
    "MEASURES",
    "Report",
    "RunLine",
    "RunResult",
    "category_retrieval",
    "evaluate_files",
    "evaluate_rankings",
    "evaluate_run",
    "read_qrels",
    "read_run",
    "select_measures",
    "write_run",
]
