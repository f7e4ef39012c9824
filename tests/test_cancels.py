"""A task cancelled from inside another: the other's own cancellation is never taken for it.

The stream's idle check was cancelled with ``suppress(CancelledError)`` around its await: the master
watch's cancel of the stream, coming in that moment, was swallowed, and the stream went on writing
to the old master after a Sentinel failover (tests/test_redteam58_sentinel_failover.py under load).
"""

from __future__ import annotations

import ast
import asyncio

import pytest

from conftest import REPO
from hookd.cancels import cancel_and_wait


async def _held_on_cancel(release: asyncio.Event, cancelled: asyncio.Event) -> None:
    """A task that takes its time to end once cancelled (a connection dropped mid-reply)."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        cancelled.set()
        await release.wait()
        raise


def test_a_caller_cancelled_while_it_waits_for_the_cancelled_task_stops():
    async def main() -> list[str]:
        release, cancelled, done = asyncio.Event(), asyncio.Event(), []
        inner = asyncio.ensure_future(_held_on_cancel(release, cancelled))
        await asyncio.sleep(0)

        async def caller() -> None:
            await cancel_and_wait(inner)
            done.append("ran on after its own cancel")

        outer = asyncio.ensure_future(caller())
        await cancelled.wait()  # the caller now waits for the inner task to end
        outer.cancel()
        await asyncio.sleep(0)
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await outer
        await asyncio.wait((inner,))
        assert inner.cancelled()
        return done

    assert asyncio.run(main()) == []


def test_the_tasks_own_ending_is_waited_for_and_its_error_raised():
    async def main() -> None:
        release, cancelled = asyncio.Event(), asyncio.Event()
        inner = asyncio.ensure_future(_held_on_cancel(release, cancelled))
        await asyncio.sleep(0)
        asyncio.get_running_loop().call_later(0.05, release.set)
        await cancel_and_wait(inner)
        assert inner.cancelled()

        async def fails() -> None:
            raise ValueError("its own")

        failed = asyncio.ensure_future(fails())
        await asyncio.sleep(0)
        with pytest.raises(ValueError, match="its own"):
            await cancel_and_wait(failed)

    asyncio.run(main())


def _names_cancellation(names: list[ast.expr]) -> bool:
    return any(ast.unparse(name).split(".")[-1] in ("CancelledError", "BaseException") for name in names)


def _catches_cancellation(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    return _names_cancellation(handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type])


def _suppresses_cancellation(node: ast.With | ast.AsyncWith) -> bool:
    for item in node.items:
        call = item.context_expr
        if isinstance(call, ast.Call) and ast.unparse(call.func).split(".")[-1] == "suppress":
            if _names_cancellation(call.args):
                return True
    return False


def _own_nodes(function: ast.AsyncFunctionDef):
    """The coroutine's nodes, not those of a function defined in it (a thread's body is not awaited)."""
    todo = list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        yield node
        todo.extend(ast.iter_child_nodes(node))


def test_no_coroutine_in_hookd_swallows_a_cancellation():
    """In a coroutine, a handler that catches CancelledError (or BaseException, or all) re-raises, and
    nothing suppresses it: what cancelled the coroutine may be its own caller (cancel_and_wait)."""
    found = []
    for path in sorted((REPO / "hookd").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.AsyncFunctionDef):
                continue
            for node in _own_nodes(function):
                where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.ExceptHandler) and _catches_cancellation(node):
                    if not any(isinstance(inner, ast.Raise) for inner in ast.walk(node)):
                        found.append(f"{where}: catches a cancellation and does not raise")
                elif isinstance(node, (ast.With, ast.AsyncWith)) and _suppresses_cancellation(node):
                    found.append(f"{where}: suppresses a cancellation (use hookd.cancels.cancel_and_wait)")
    assert not found, "\n".join(found)


def test_a_cancel_a_redis_write_took_is_never_lost(redis_server):
    """hookd's Redis connections (publish/replies.py): the caller of a write cancelled in the turn the write
    ends stops. redis-py bounds a write with asyncio.wait_for, which on Python 3.11 returned the write's
    result then, and the caller went on as if never cancelled."""
    import redis.asyncio

    from hookd.publish.replies import bounded

    async def main() -> list[tuple[bool, bool]]:
        conn = bounded(redis.asyncio.Connection, accounts=())(port=redis_server.port, socket_timeout=5.0)
        await conn.connect()
        outcomes = []
        for i in range(20):
            # A small write ends in the turn after it starts; a large one waits for the socket.
            command = conn.pack_command("PING") if i % 2 else conn.pack_command("SET", "k", b"x" * (32 << 20))
            sending = asyncio.ensure_future(conn.send_packed_command(command))
            await asyncio.sleep(0)
            took = sending.cancel()
            await asyncio.wait((sending,))
            outcomes.append((took, sending.cancelled()))
            if not conn.is_connected:
                await conn.connect()
            else:
                await conn.read_response()
        await conn.disconnect()
        return outcomes

    outcomes = asyncio.run(main())
    assert [took for took, cancelled in outcomes if took and not cancelled] == [], outcomes
    assert any(took for took, _ in outcomes), "no cancel came while a write was under way"


def test_a_cancel_while_a_pooled_connection_is_checked_is_never_lost(redis_server):
    """A connection taken from hookd's pool is first checked for data the server sent while it was idle (here a
    RESP3 push: a tracked key's invalidation). redis-py read it as a push notification under asyncio.wait_for,
    which on Python 3.11 returned the read's end when a cancel of the caller came in the same turn: the caller
    went on with a connection, as if never cancelled (CPython gh-86296)."""
    from hookd.console.settings import load
    from hookd.publish.connection import connect
    from hookd.publish.settings import RedisSettings

    settings = RedisSettings.from_config(load({"redis_url": f"redis://127.0.0.1:{redis_server.port}/0"}, environ={}))

    async def main() -> list[tuple[int, bool, bool]]:
        client = connect(settings)
        pool = client.connection_pool
        killer = connect(settings)
        outcomes = []
        for turns in range(12):
            held = await pool.get_connection()
            for command in (("CLIENT", "TRACKING", "ON"), ("GET", "tracked")):
                await held.send_command(*command)
                await held.read_response()
            await pool.release(held)
            await killer.set("tracked", turns)  # the server pushes the key's invalidation to the idle connection
            while not await held.can_read():
                await asyncio.sleep(0.001)
            taking = asyncio.ensure_future(pool.get_connection())
            for _ in range(turns):
                await asyncio.sleep(0)
            took = taking.cancel()
            await asyncio.wait((taking,))
            outcomes.append((turns, took, taking.cancelled()))
            if not taking.cancelled() and taking.exception() is None:
                await pool.release(taking.result())
        await killer.aclose()
        await client.aclose()
        return outcomes

    outcomes = asyncio.run(main())
    assert [o for o in outcomes if o[1] and not o[2]] == [], outcomes
    assert any(took for _, took, _ in outcomes), "no cancel came while a connection was checked"
