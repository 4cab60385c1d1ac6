"""Clustering of merge edges with union-find and a guard against chaining.

Plain transitive closure turns A~B, B~C into {A, B, C} even when A and C are clearly different people
(a father linked to the family landline, the landline to the son). Here two clusters join only if
every cross pair of their core members still scores above a lower bound; otherwise the edge is
returned for human review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ClusterResult:
    """Clusters (record positions, size >= 2) and the merge edges refused by the chaining guard."""

    clusters: list[list[int]] = field(default_factory=list)
    rejected: list[tuple[int, int]] = field(default_factory=list)


def cluster(
    edges: Iterable[tuple[int, int, float]],
    pair_score: Callable[[int, int], float],
    lower_bound: float,
    core_size: int = 20,
    max_cluster_size: int = 50,
) -> ClusterResult:
    """Union merge edges strongest first; join two clusters only if their cores stay above `lower_bound`."""
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    rejected: list[tuple[int, int]] = []
    for a, b, _ in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        group_a, group_b = members.get(ra, [ra]), members.get(rb, [rb])
        if len(group_a) + len(group_b) > max_cluster_size:
            rejected.append((a, b))
            continue
        # Members join in order of link strength, so the first ones form the cluster's core.
        core_a, core_b = group_a[:core_size], group_b[:core_size]
        if any(pair_score(x, y) < lower_bound for x in core_a for y in core_b if (x, y) not in ((a, b), (b, a))):
            rejected.append((a, b))
            continue
        if len(group_a) < len(group_b):
            ra, rb, group_a, group_b = rb, ra, group_b, group_a
        parent[rb] = ra
        members[ra] = group_a + group_b
        members.pop(rb, None)
    clusters = sorted((sorted(m) for m in members.values() if len(m) > 1), key=lambda m: m[0])
    return ClusterResult(clusters, rejected)
