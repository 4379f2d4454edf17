"""Run a layout in a child process limited in memory and time (FIELD-NOTES: WeasyPrint
is single-threaded and does not give memory back, so a long-lived worker must not
hold it).

The child is started with `spawn` (no copy of the parent's open database
connections, keys or sessions), gets only the plain `LayoutJob`, sets its own limits
(address space, CPU, no core dumps) before importing WeasyPrint, and sends back the
PDFs or an error class name. A child that runs past its time is killed.
"""

from __future__ import annotations

import multiprocessing
import resource
import traceback
from multiprocessing.connection import Connection
from typing import Any

from portal.pdf.layout import LayoutJob, LayoutReport


class RenderFailed(RuntimeError):
    """The child failed, ran out of memory or time. `code` is short and safe to store."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code[:60]


def _child(task: str, job: LayoutJob, known: dict[str, list[int]], max_memory_bytes: int,
           max_cpu_seconds: int, pipe: Connection) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (max_cpu_seconds, max_cpu_seconds + 1))
    try:
        from portal.pdf.layout import measure, render

        result = measure(job, task[len("measure:"):]) if task.startswith("measure:") \
            else render(job, known)
        pipe.send(("ok", result))
    except MemoryError:
        pipe.send(("error", "render_out_of_memory", ""))
    except BaseException as error:  # reported to the parent by class name
        # The class and the last frame only: a message could quote dossier content.
        frames = traceback.extract_tb(error.__traceback__)[-1:]
        where = frames[0].name if frames else ""
        pipe.send(("error", f"render_{type(error).__name__}", where))
    finally:
        pipe.close()


def render_isolated(job: LayoutJob, *, max_memory_bytes: int, max_seconds: int) -> LayoutReport:
    """Render `job` in one limited child: it measures and writes the wanted variants
    and measures of the other variants only the blocks that differ (layout.render),
    segment by segment, so its memory stays that of one segment. Raises RenderFailed."""
    report: LayoutReport = _in_child("render", job, {}, max_memory_bytes, max_seconds)
    return report


def _in_child(task: str, job: LayoutJob, known: dict[str, list[int]], max_memory_bytes: int,
              max_seconds: int) -> Any:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(task, job, known, max_memory_bytes,
                                                 max_seconds, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(max_seconds + 5):
            raise RenderFailed("render_timeout")
        message = receiver.recv()
    except EOFError as error:
        raise RenderFailed("render_crashed") from error
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    if message[0] != "ok":
        raise RenderFailed(message[1], message[2])
    return message[1]
