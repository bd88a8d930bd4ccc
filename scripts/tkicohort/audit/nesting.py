"""Nested populations: a population the publication file declares ``within`` another (the evaluable patients are
among the treated ones) can be neither larger than it nor hold more patients of any subset than it does."""

from __future__ import annotations

from collections import defaultdict

from .common import Publication, _aggregate_ok, _row, _subset_key, number


def ancestors(pub: Publication, name: str) -> list[str]:
    """The populations that contain ``name``, nearest first (``within`` followed transitively; unknown names and
    cycles are ignored here, the file's tests refuse them)."""
    out: list[str] = []
    todo = [name]
    while todo:
        parents = pub.populations.get(todo.pop(0), {}).get("within") or []
        for p in [parents] if isinstance(parents, str) else parents:
            if p != name and p not in out and p in pub.populations:
                out.append(p)
                todo.append(p)
    return out


def check_subset_within_set(pub: Publication) -> list[dict]:
    """Population sizes and same-subset counts of a population against every population declared to contain it.

    A count is compared with the count of the containing population that has the same ``subset`` (the same
    patients' characteristic, e.g. ``rai_uptake == 'no'`` among the 26 evaluable and among the 31 treated): more
    in the part than in the whole is ``major``. Nesting is read from ``populations.<name>.within`` only; what the
    publication says in words (that the evaluable patients are some of the treated) must be written there.
    """
    rows: list[dict] = []
    for name, pop in pub.populations.items():
        for whole in ancestors(pub, name):
            n, m = pop.get("n"), pub.populations[whole].get("n")
            if n is not None and m is not None and int(n) > int(m):
                rows.append(_row("subset_within_set", [], f"{n} / {m}", "major",
                                 f"population {name} ({n}) is declared within {whole} ({m}) but is larger",
                                 location=f"populations: {name} within {whole}", culprits=[]))
    counts: dict[str, list[dict]] = defaultdict(list)
    for e in pub.numbers:
        if e["statistic"] == "n" and _subset_key(e) and not pub.external(e):
            counts[_subset_key(e)].append(e)
    passed: list[dict] = []
    for key, entries in counts.items():
        for part in entries:
            for whole_name in ancestors(pub, part["population"]):
                for whole in (f for f in entries if f["population"] == whole_name):
                    if number(part) > number(whole):
                        rows.append(_row(
                            "subset_within_set", [whole, part], f"{whole['value']} / {part['value']}", "major",
                            f"{part['value']} of the {part['population']} patients have {key}, but only "
                            f"{whole['value']} of the {whole_name} patients, who include them"))
                    else:
                        passed += [p for p in (part, whole) if p not in passed]
    if passed:
        rows.insert(0, _aggregate_ok("subset_within_set", passed, "same-subset counts of nested populations",
                                     "no count of a population exceeds the same subset's count in a population "
                                     "declared to contain it"))
    return rows


def check_parts_sizes(pub: Publication) -> list[dict]:
    """A population declared to be made of disjoint ``parts`` (the arms of a trial) has their sizes added up.

    Rule: the sum of the parts' sizes equals the population's size; a difference is minor when it is at most one
    patient or 1 % of the population (a patient randomised but not treated), major beyond. The row's locations are
    the printed sizes (``count_total`` numbers) of the populations involved.
    """
    rows = []
    for name, pop in pub.populations.items():
        parts = pop.get("parts") or []
        sizes = [pub.populations.get(p, {}).get("n") for p in parts]
        if not parts or pop.get("n") is None or any(s is None for s in sizes):
            continue
        total, n = sum(int(s) for s in sizes), int(pop["n"])
        printed = [e for e in pub.numbers if e["statistic"] == "count_total" and e["population"] in (name, *parts)]
        text = f"{' + '.join(str(s) for s in sizes)} = {total} vs {n}"
        if total == n:
            rows.append(_row("parts_add_up_to_population", printed, text, "ok",
                             f"{' and '.join(parts)} make up the {n} patients of {name}",
                             location=None if printed else f"populations: {name}"))
            continue
        severity = "minor" if abs(total - n) <= max(1, n // 100) else "major"
        rows.append(_row("parts_add_up_to_population", printed, text, severity,
                         f"the {len(parts)} parts of {name} ({', '.join(parts)}) add up to {total}, not {n}"
                         + (": a patient randomised but not treated, or a misprint" if total < n else ""),
                         str(n), location=None if printed else f"populations: {name}"))
    return rows
