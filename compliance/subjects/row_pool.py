"""Reading import rows into profiles, digests and flags: in this process, or in a pool of processes for a big file.

Reading a row (parsing its phones above all) is most of an import's CPU time, and it depends on nothing but
the row, the default region, the identity rules and the index keys. So a file of more than POOL_FROM rows is
read by worker processes, one per core (setting `import_workers`), in chunks; the results come back in file
order, so the report and every decision are the same with any number of workers.

The workers are forked, and only from a single-threaded process (the CLI): a fork of a process with other
threads may inherit a lock some thread holds, so a server reads in its own process. A forked worker never
touches the database (it only reads rows), and leaves with os._exit, so it never closes or checkpoints the
connections it inherited. Spawned workers would be cleaner but re-run the caller's main script when it has
no `if __name__ == "__main__"` guard, which a library must not impose on its callers.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from compliance.policy.identity import rules as identity_rules
from compliance.subjects import writer
from compliance.subjects.import_plan import content_key
from compliance.subjects.rows import RowParts, row_profile
from compliance.subjects.shape import contact_flags
from compliance.subjects.tabular import is_bad_line
from hygiene import phones
from hygiene.identity import IdentityRules

POOL_FROM = 10_000  # rows: a smaller file is read in this process (starting workers costs about a second)
CHUNK = 1000  # rows per task sent to a worker


@dataclass(frozen=True)
class Context:
    """What reading a row depends on: the default region, the identity rules and the blind indexer."""

    region: str
    rules: IdentityRules
    indexer: Any  # compliance.crypto.blind_index.BlindIndexer (picklable: its keys and versions)

    @classmethod
    def of(cls, svc) -> Context:
        """The reading context of an instance."""
        return cls(svc.policies.default_region, identity_rules(svc), svc.indexer)


@dataclass
class Parsed:
    """One row, read: a reject code for a row that is not a record, else its parts, digests, content key, flags."""

    number: int
    reject: str | None = None
    parts: RowParts | None = None
    digests: writer.Digests | None = None
    content: bytes | None = None
    flags: list[dict[str, str]] | None = None
    phones: list = field(default_factory=list)  # what parsing learnt of the row's phones (hygiene.phones.known)


def read(context: Context, number: int, raw: Any) -> Parsed:
    """Read one raw row (a pure function of the row and the context)."""
    if is_bad_line(raw) or not isinstance(raw, dict):
        return Parsed(number, "row.json" if is_bad_line(raw) else "row.not_object")
    parts = row_profile(raw, context.region)
    if parts.problems:
        return Parsed(number, parts=parts)
    profile = parts.profile
    return Parsed(
        number,
        parts=parts,
        digests=writer.row_digests(context.indexer, context.rules, profile),
        content=content_key(profile),
        flags=contact_flags(profile, context.region),
    )


_worker_context: Context | None = None


def _start_worker(context: Context) -> None:
    global _worker_context
    _worker_context = context


def _read_chunk(chunk: list[tuple[int, Any]]) -> list[Parsed]:
    assert _worker_context is not None  # set by the pool's initializer
    out = [read(_worker_context, number, raw) for number, raw in chunk]
    for item in out:  # what this worker's parses taught it, for the importer's caches (_learnt)
        if item.parts is not None:
            item.phones = phones.known(item.parts.profile["phones"], _worker_context.region)
    return out


def parsed_rows(rows: Iterable[Any], context: Context, workers: int) -> Iterator[Parsed]:
    """Every row read, numbered from 1, in file order; in a pool of `workers` processes for a big file."""
    chunks = _chunks(enumerate(rows, start=1))
    head = list(islice(chunks, POOL_FROM // CHUNK + 1))
    if workers <= 1 or len(head) * CHUNK <= POOL_FROM or threading.active_count() > 1 or not _can_fork():
        for chunk in chain(head, chunks):
            yield from (read(context, number, raw) for number, raw in chunk)
        return
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=fork, initializer=_start_worker, initargs=(context,)) as pool:
        pending: deque = deque()
        for chunk in chain(head, chunks):
            # Only a few chunks in flight: the file is not held twice (raw and read) in memory.
            pending.append(pool.submit(_read_chunk, chunk))
            if len(pending) > 2 * workers:
                yield from _learnt(pending.popleft().result())
        while pending:
            yield from _learnt(pending.popleft().result())


def _learnt(chunk: list[Parsed]) -> list[Parsed]:
    # The parent asks about these phones again (the scorer's features of linked rows, survivorship): give it
    # the workers' parses instead of parsing every number a second time.
    for item in chunk:
        phones.learn(item.phones)
    return chunk


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _chunks(numbered: Iterator[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    while chunk := list(islice(numbered, CHUNK)):
        yield chunk
