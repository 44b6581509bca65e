"""Readable reports of what the checkers and the browser found, for assertion messages."""


def describe_axe_violation(violation: dict, shown: int = 5) -> str:
    lines = [f"[{violation['impact']}] {violation['id']}: {violation['help']}"]
    for node in violation["nodes"][:shown]:
        lines.append(f"    {node['target']}: {node['html'][:200]}")
        summary = "; ".join(line.strip() for line in node["summary"].splitlines() if line.strip())
        lines.append(f"      {summary[:400]}")
    if len(violation["nodes"]) > shown:
        lines.append(f"    … and {len(violation['nodes']) - shown} more elements")
    return "\n".join(lines)


def describe(problems: dict[str, list[str]]) -> str:
    """{page: [problem, …]} as an indented report for an assertion message."""
    return "\n".join(f"{name}:\n" + "\n".join(f"  {problem}" for problem in found) for name, found in problems.items())
