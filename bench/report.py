"""The figures against the targets, as Markdown tables."""

from __future__ import annotations

from bench.measure import Page, percentiles
from bench.output import Output
from bench.throughput import Load, describe

TARGET_PAPERS = 100_000
RESULTS = {True: "PASS", False: "MISS"}  # a miss is reported, it does not fail the command


def checks(pages: list[Page], loads: list[Load], throughput: dict | None) -> list[dict]:
    """One check per page (p95 against its target) and one for the throughput of each load (bench.throughput)."""
    result = []
    for page in pages:
        p95 = percentiles(page.timings_ms)["p95"]
        result.append(
            {
                "measure": f"{page.label} p95",
                "figure": f"{p95:.1f} ms",
                "target": f"≤ {page.target_ms:.0f} ms",
                "passed": p95 <= page.target_ms,
            }
        )
    return result + [throughput_check(load, throughput) for load in loads]


def throughput_check(load: Load, throughput: dict | None) -> dict:
    """The load's requests per second as a share of the trivial view's, against its target.

    The anonymous target assumes the shared cache of production: with each worker's own memory as the cache, the
    figure is reported and not checked."""
    target = f"≥ {load.target:.0%} of `/healthz/`" + (" with Redis" if load.member is None else "")
    check: dict = {"name": load.name, "measure": f"{load.label} throughput, {load.visitor}", "target": target}
    if throughput is None:
        return check | {"figure": "not measured"}
    page, trivial = throughput["loads"][load.name], throughput["healthz"]
    errors = page["non_2xx"] + page["socket_errors"] + trivial["non_2xx"] + trivial["socket_errors"]
    figure = f"{page['rps']:,.0f} req/s = {page['share']:.0%} of `/healthz/` ({trivial['rps']:,.0f} req/s)"
    if errors:
        figure += f", {errors} errors"
    if uncached := throughput["uncached"].get(load.name):
        figure += f"; page cache off: {uncached['rps']:,.0f} req/s = {uncached['share']:.0%}"
    check["figure"] = figure
    if load.member is None and not throughput["config"]["redis"]:
        return check | {"result": "not checked (local-memory cache)"}
    return check | {"passed": page["share"] >= load.target and not errors}


def verdict(check: dict) -> str:
    if "passed" in check:
        return RESULTS[check["passed"]]
    return check.get("result", "skipped")


def throughput_table(throughput: dict, loads: list[Load], all_checks: list[dict], output: Output) -> None:
    """Each load's requests per second and share of the trivial view's, its latency, target and result."""
    out = output.write
    by_name = {check["name"]: check for check in all_checks if "name" in check}
    trivial = throughput["healthz"]
    out(f"## Throughput ({describe(throughput['config'])})")
    out("")
    out("| Page | Visitor | Requests/s | Share of `/healthz/` | p50 ms | p99 ms | Target | Result |")
    out("|---|---|---:|---:|---:|---:|---|---|")

    def row(label: str, visitor: str, figures: dict, share: float, target: str = "", outcome: str = "") -> None:
        errors = figures["non_2xx"] + figures["socket_errors"]
        rps = f"{figures['rps']:,.0f}" + (f" ({errors} errors)" if errors else "")
        p50, p99 = figures.get("latency_p50_ms", 0), figures.get("latency_p99_ms", 0)
        out(f"| {label} | {visitor} | {rps} | {share:.0%} | {p50:.1f} | {p99:.1f} | {target} | {outcome} |")

    row("`/healthz/` (trivial view)", "anonymous", trivial, 1.0)
    for load in loads:
        page, check = throughput["loads"][load.name], by_name[load.name]
        row(load.label, load.visitor, page, page["share"], check["target"], verdict(check))
        if uncached := throughput["uncached"].get(load.name):
            row(f"{load.label}, page cache off", load.visitor, uncached, uncached["share"])
    load_average = throughput["load_average"]
    out("")
    out(
        f"{throughput['seconds']} s in all. Load average (1 min): {load_average['before']:.1f} before, "
        f"{load_average['after']:.1f} after (wrk and gunicorn count for about 2)."
    )
    out("")


def summary(figures: dict, pages: list[Page], loads: list[Load], output: Output) -> None:
    out = output.write
    out("")
    out(f"## Server time ({figures['database']}, {figures['papers']:,} papers, in-process, DEBUG off)")
    out("")
    out("| Page | URLs | Requests | p50 ms | p95 ms | p99 ms | max ms | Queries |")
    out("|---|---:|---:|---:|---:|---:|---:|---:|")
    for page in pages:
        p = figures["pages"][page.name]
        out(
            f"| {page.label} | {p['urls']} | {p['requests']} | {p['p50']:.1f} | {p['p95']:.1f} "
            f"| {p['p99']:.1f} | {p['max']:.1f} | {p['queries']} |"
        )
    out("")
    if figures["throughput"]:
        throughput_table(figures["throughput"], loads, figures["checks"], output)
    out("## Summary")
    out("")
    out("| Measure | Figure | Target | Result |")
    out("|---|---|---|---|")
    for check in figures["checks"]:
        out(f"| {check['measure']} | {check['figure']} | {check['target']} | {verdict(check)} |")
    load = figures["load_average"]
    out("")
    out(
        f"Load average (1 min) on {load['cpus']} CPUs: {load['before']:.1f} before the in-process measurements, "
        f"{load['after']:.1f} after (this process counts for about 1)."
    )
    if figures["papers"] < TARGET_PAPERS:
        out("")
        out(f"Targets are set for {TARGET_PAPERS:,} papers; this corpus has {figures['papers']:,}.")
