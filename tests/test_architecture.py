"""The import graph: layers that only point down, and no import cycles.

grimp reads every import statement, at the top of a module or inside a function, so an import moved into
a function to dodge a cycle still counts. Imports under `if TYPE_CHECKING:` are left out: they never run.
"""

import grimp
import pytest

# Modules the models may import: leaves that import nothing from papers themselves.
MODEL_DEPENDENCIES = {"papers.caching"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("papers", "accounts", "config", exclude_type_checking_imports=True, cache_dir=None)


def is_model_module(name: str) -> bool:
    return name == "papers.models" or name.startswith("papers.models.")


def cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted, largest first."""
    edges = {module: graph.find_modules_directly_imported_by(module) & modules for module in modules}
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:
        # Iterative, so a deep graph cannot hit the recursion limit.
        work = [(root, iter(sorted(edges[root])))]
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = lowlink[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    lowlink[module] = min(lowlink[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[module])
            if lowlink[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return sorted(found, key=len, reverse=True)


def test_no_import_cycles(graph):
    modules = {module for module in graph.modules if module.startswith(("papers", "accounts", "config"))}
    found = cycles(graph, modules)
    assert not found, "Import cycles:\n" + "\n".join(" ".join(cycle) for cycle in found)


def test_models_import_no_module_above_them(graph):
    """papers.models is the bottom layer: feed, similarity, tasks, ingest and the views build on it."""
    upward = {
        f"{importer} imports {imported}"
        for importer in graph.modules
        if is_model_module(importer)
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("papers") and not is_model_module(imported) and imported not in MODEL_DEPENDENCIES
    }
    assert not upward, "\n".join(sorted(upward))


def test_what_the_models_may_import_imports_nothing_from_papers(graph):
    for module in MODEL_DEPENDENCIES:
        imported = graph.find_modules_directly_imported_by(module)
        assert sorted(name for name in imported if name.startswith("papers")) == []


def test_accounts_never_imports_papers(graph):
    upward = {
        f"{importer} imports {imported}"
        for importer in graph.modules
        if importer.startswith("accounts")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("papers")
    }
    assert sorted(upward) == []
