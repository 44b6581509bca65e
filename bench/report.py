"""The figures against the targets, as Markdown tables."""

from __future__ import annotations

from bench.measure import Page, percentiles
from bench.output import Output

TARGET_PAPERS = 100_000
THROUGHPUT_TARGET = 0.40


def checks(pages: list[Page], throughput: dict | None) -> list[dict]:
    """One check per page (p95 against its target) and one for the throughput of `/`."""
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
    if throughput is None:
        result.append({"measure": "`/` throughput", "figure": "not measured", "target": "≥ 40% of `/healthz/`"})
    else:
        result.append(throughput_check(throughput))
    return result


def throughput_check(throughput: dict) -> dict:
    home, trivial = throughput["home"], throughput["healthz"]
    errors = home["non_2xx"] + home["socket_errors"] + trivial["non_2xx"] + trivial["socket_errors"]
    return {
        "measure": "`/` throughput",
        "figure": f"{home['rps']:,.0f} req/s = {throughput['ratio']:.0%} of `/healthz/` "
        f"({trivial['rps']:,.0f} req/s)"
        + (f", {errors} errors" if errors else "")
        + f"; page cache off: {throughput['home_uncached']['rps']:,.0f} req/s "
        f"= {throughput['ratio_uncached']:.0%}",
        "target": f"≥ {THROUGHPUT_TARGET:.0%} of `/healthz/`",
        "passed": throughput["ratio"] >= THROUGHPUT_TARGET and not errors,
    }


def summary(figures: dict, pages: list[Page], output: Output) -> None:
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
    out("## Summary")
    out("")
    out("| Measure | Figure | Target | Result |")
    out("|---|---|---|---|")
    for check in figures["checks"]:
        result = {True: "PASS", False: "FAIL"}.get(check.get("passed"), "skipped")
        out(f"| {check['measure']} | {check['figure']} | {check['target']} | {result} |")
    load = figures["load_average"]
    out("")
    out(
        f"Load average (1 min) on {load['cpus']} CPUs: {load['before']:.1f} before the in-process measurements, "
        f"{load['after']:.1f} after (this process counts for about 1)."
    )
    if figures["papers"] < TARGET_PAPERS:
        out("")
        out(f"Targets are set for {TARGET_PAPERS:,} papers; this corpus has {figures['papers']:,}.")
