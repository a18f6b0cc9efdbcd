#!/usr/bin/env python3
"""Side-by-side table of two servers from one alternated bench CSV (http.sh, grpc.sh).
usage: ab-summary.py [--max-other PCT] [--target TEST:CONFIG_PREFIX:MIN:TEXT]... CSV A B

One row per (config, test), in first-seen order: median rps of A and B, A/B of the medians and the
range of the per-round ratios (A's i-th run over B's i-th run of the row: the runs alternate, so a
round's pair saw the same machine state), median p50/p99 of each, server CPU (% of one core) and
server CPU per request (us) of each, the load generator's CPU, errors summed over all runs, runs.
Like resp.sh, a run during which other processes used more than PCT % of a core (default 20) is
dropped when a quieter run of the same (config, test, server) exists; '*' marks rows left with
noisy runs only. --target prints whether A/B of each row of TEST whose config starts with
CONFIG_PREFIX (empty: all) reaches MIN, e.g. --target 'get::0.7:HTTP GET throughput >= 0.7x bare'."""
import csv, statistics, sys

args = sys.argv[1:]
max_other, targets = 20.0, []
while args[:1] in (["--max-other"], ["--target"]):
    if args[0] == "--max-other":
        max_other = float(args[1])
    else:
        t, prefix, minimum, text = args[1].split(":", 3)
        targets.append((t, prefix, float(minimum), text))
    args = args[2:]
path, a, b = args
runs = [r for r in csv.DictReader(open(path)) if r["label"] in (a, b)]
if not runs:
    sys.exit(f"ab-summary.py: no runs labelled {a} or {b} in {path}")


def num(r, m):
    v = r.get(m)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(rs, m):
    v = [x for x in (num(r, m) for r in rs) if x is not None]
    return statistics.median(v) if v else None


keys = []
for r in runs:
    if (r["config"], r["test"]) not in keys:
        keys.append((r["config"], r["test"]))
by = {}
for r in runs:
    by.setdefault((r["config"], r["test"], r["label"]), []).append(r)


def kept(c, t, l):
    rs = by.get((c, t, l), [])
    quiet = [r for r in rs if (num(r, "other_cpu_pct") or 0) <= max_other]
    return (quiet, False) if quiet else (rs, bool(rs))


def f(x, spec="{:,.0f}"):
    return "" if x is None else spec.format(x)


def us_per_req(rs):  # server CPU time per request: % of a core / rps, per run, then the median
    v = [num(r, "srv_cpu_pct") * 1e4 / num(r, "rps") for r in rs if num(r, "srv_cpu_pct") is not None and num(r, "rps")]
    return statistics.median(v) if v else None


print(f"| config | test | {a} rps | {b} rps | **{a}/{b}** | per round | {a} p50 ms | {b} p50 ms "
      f"| {a} p99 ms | {b} p99 ms | server CPU % {a}/{b} | server CPU us/req {a}/{b} | client CPU % {a}/{b} | errors {a}/{b} | runs |")
print("|---|---|" + "---:|" * 13)
ratios, noisy_rows, dropped, bad = {}, 0, 0, 0
for c, t in keys:
    (ra, na), (rb, nb) = kept(c, t, a), kept(c, t, b)
    dropped += len(by.get((c, t, a), [])) - len(ra) + len(by.get((c, t, b), [])) - len(rb)
    star = "*" if na or nb else ""
    noisy_rows += bool(star)
    xa, xb = med(ra, "rps"), med(rb, "rps")
    ratio = xa / xb if xa and xb else None
    ratios[(c, t)] = ratio
    pairs = [num(p, "rps") / num(q, "rps") for p, q in zip(by.get((c, t, a), []), by.get((c, t, b), []))
             if num(p, "rps") is not None and num(q, "rps")]
    rng = f"{min(pairs):.2f}..{max(pairs):.2f}" if pairs else ""
    errs = [int(num(r, "errors") or 0) for r in by.get((c, t, a), [])], [int(num(r, "errors") or 0) for r in by.get((c, t, b), [])]
    bad += sum(errs[0]) + sum(errs[1])
    cpu = f"{f(med(ra, 'srv_cpu_pct'))}/{f(med(rb, 'srv_cpu_pct'))}"
    upr = f"{f(us_per_req(ra), '{:.1f}')}/{f(us_per_req(rb), '{:.1f}')}"
    cli = f"{f(med(ra, 'cli_cpu_pct'))}/{f(med(rb, 'cli_cpu_pct'))}"
    print(f"| {c} | {t}{star} | {f(xa)} | {f(xb)} | **{f(ratio, '{:.2f}')}** | {rng} "
          f"| {f(med(ra, 'p50_ms'), '{:.3f}')} | {f(med(rb, 'p50_ms'), '{:.3f}')} "
          f"| {f(med(ra, 'p99_ms'), '{:.3f}')} | {f(med(rb, 'p99_ms'), '{:.3f}')} "
          f"| {cpu} | {upr} | {cli} | {sum(errs[0])}/{sum(errs[1])} | {len(ra)}/{len(rb)} |")
if dropped or noisy_rows:
    print(f"\n({dropped} of {len(runs)} runs dropped: other load > {max_other:.0f}% of a core"
          + (f"; '*' = {noisy_rows} row(s) with noisy runs only)" if noisy_rows else ")"))
if bad:
    print(f"\nWARNING: {bad:,} requests were answered with errors (errors = {a}/{b}, summed over all runs):"
          " those rows are not a fair comparison.")
if targets:
    print()
for t, prefix, minimum, text in targets:
    rows = [(c, r) for (c, tt), r in ratios.items() if tt == t and c.startswith(prefix)]
    for c, r in rows:
        verdict = "no data" if r is None else ("met" if r >= minimum else "NOT met")
        print(f"- target ({text}): {c} {t}: {a}/{b} = {f(r, '{:.2f}')} -> **{verdict}**")
