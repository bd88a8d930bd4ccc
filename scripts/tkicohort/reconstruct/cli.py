"""Command line: reconstruct a study from its folder.

    tkicohort-reconstruct resources/studies/zhujiang_2023 --out results/reconstruction/zhujiang_2023
    tkicohort-reconstruct resources/studies/zhujiang_2023 --install

``--out DIR`` writes the ensemble summaries to DIR/ensemble/ and the committed member's files to DIR/cohort/;
``--install`` writes them where the pipeline reads them: the study folder's ``ensemble/`` and the cohort folder the
spec names. ``--members N`` draws a smaller or larger ensemble (the spec's number otherwise). The run is
deterministic: the same folder gives byte-identical files. A spec that cannot describe a cohort stops the run with
one message per problem and exit status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..printing import within_printed_range
from .design import SpecError
from .ensemble import reconstruct, summary_frame, write_result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tkicohort-reconstruct", description=__doc__.split("\n\n")[0])
    parser.add_argument("study", type=Path, help="study folder (published.yaml and reconstruction.yaml)")
    parser.add_argument("--members", type=int, default=None, help="ensemble size (default: the spec's)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="write DIR/ensemble/*.csv and DIR/cohort/*.csv")
    target.add_argument("--install", action="store_true", help="write into the study and cohort folders")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    start = time.time()

    def log(text: str) -> None:
        if not args.quiet:
            print(f"[{time.time() - start:6.1f} s] {text}", file=sys.stderr, flush=True)

    try:
        result = reconstruct(args.study, members=args.members, log=log)
    except SpecError as err:
        print(f"tkicohort-reconstruct: {err}", file=sys.stderr)
        return 2
    if args.install:
        ensemble_dir, cohort_dir = args.study / "ensemble", result.study.cohort_folder()
    else:
        ensemble_dir, cohort_dir = args.out / "ensemble", args.out / "cohort"
    write_result(result, ensemble_dir, cohort_dir)
    summary = summary_frame(result)
    held = summary[summary["origin"] == "held_out"]
    inside = held.apply(lambda r: _inside(r), axis=1).sum()
    log(f"{len(result.distances)} members; committed member {result.committed}; held-out numbers inside the "
        f"ensemble's 95 % range: {inside} of {len(held)}; written to {ensemble_dir} and {cohort_dir}")
    return 0


def _inside(row) -> bool:
    text = str(row["published"])
    digits = len(text.split(".")[1]) if "." in text else 0
    return within_printed_range(text, row["ensemble_low"], row["ensemble_high"], digits)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
