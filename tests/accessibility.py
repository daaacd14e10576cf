"""WCAG checks inside browser tests with axe-core (vendored at static/vendor/axe-core).

    from tests.accessibility import assert_accessible
    assert_accessible(page)  # the page as it is now: WCAG 2.1 A and AA, zero violations

`axe_violations(page)` returns the violations (id, impact, help, the failing elements) for
tests that look at them; `assert_accessible` fails with a readable list.
"""

from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "axe-core" / "axe.min.js"
#: WCAG 2.1 levels A and AA (axe's tags include the 2.0 rules they build on).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, *, exclude: list[str] | None = None) -> list[dict]:
    """Runs axe-core in `page` (injected once per document) against WCAG 2.1 A/AA."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    result = page.evaluate(
        """async ([context, tags]) => {
            const options = {runOnly: {type: "tag", values: tags}};
            const result = await axe.run(context || document, options);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        [context, WCAG_TAGS],
    )
    return result


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['summary']}" for node in violation["nodes"])
    return "\n".join(lines)


def assert_accessible(page, *, exclude: list[str] | None = None) -> None:
    violations = axe_violations(page, exclude=exclude)
    assert not violations, f"axe-core on {page.url}:\n{describe(violations)}"
