"""The figures against the targets, as Markdown tables."""

from __future__ import annotations

from bench.measure import Page, percentiles
from bench.output import Output

TARGET_PAPERS = 100_000
THROUGHPUT_TARGET = 0.40


# The pages whose throughput is checked (bench.throughput.LOADED), as the summary names them when not measured.
THROUGHPUT_LABELS = {"home": "`/`", "api": "`/api/daily_papers`", "api_day": "`/api/daily_papers?date=…`"}


def checks(pages: list[Page], throughput: dict | None) -> list[dict]:
    """One check per page (p95 against its target) and one for the throughput of each loaded page."""
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
    for name, label in THROUGHPUT_LABELS.items():
        if throughput is None:
            target = f"≥ {THROUGHPUT_TARGET:.0%} of `/healthz/`"
            result.append({"measure": f"{label} throughput", "figure": "not measured", "target": target})
        else:
            result.append(throughput_check(throughput, name))
    return result


def throughput_check(throughput: dict, name: str = "home") -> dict:
    page, trivial = throughput[name], throughput["healthz"]
    errors = page["non_2xx"] + page["socket_errors"] + trivial["non_2xx"] + trivial["socket_errors"]
    ratio, uncached = throughput[f"{name}_ratio"], throughput[f"{name}_uncached"]
    return {
        "measure": f"`{throughput['paths'][name]}` throughput",
        "figure": f"{page['rps']:,.0f} req/s = {ratio:.0%} of `/healthz/` "
        f"({trivial['rps']:,.0f} req/s)"
        + (f", {errors} errors" if errors else "")
        + f"; page cache off: {uncached['rps']:,.0f} req/s "
        f"= {throughput[f'{name}_ratio_uncached']:.0%}",
        "target": f"≥ {THROUGHPUT_TARGET:.0%} of `/healthz/`",
        "passed": ratio >= THROUGHPUT_TARGET and not errors,
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
