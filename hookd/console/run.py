"""``hookd run``: the daemon in the foreground, as the process's one job."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from hookd.console import exits
from hookd.console.command_settings import config_file_of, load_unchecked
from hookd.descriptors import raise_limit, warn_if_few


def cmd_run(args: argparse.Namespace) -> int:
    from hookd import logs
    from hookd.console.elsewhere import foreign_runtime_dir
    from hookd.daemon.first_socket import FirstSocket
    from hookd.daemon.start_watch import block
    from hookd.ingest.socket_files import AlreadyRunning
    from hookd.paths import UnsafePathError
    from hookd.service.activation import ActivationError
    from hookd.state import DaemonState
    from hookd.statedir import StateDirLocked

    # Before any thread is made (the log's): the stop signals are taken by the start's watch until the
    # start ends, and a thread that did not hold them could be handed one nobody acts on (start_watch.py).
    block()
    config, check_settings = load_unchecked(args)
    # A closed stderr must cost log lines, not the process: EPIPE is an error to handle
    # (hookd/log_sink.py), never a signal that kills.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    descriptors = raise_limit()
    logs.configure(config.log_format, config.log_level, fallback_dir=config.state_dir, take_stderr=True)
    warn_if_few(descriptors)
    first = daemon = None
    try:
        # Status answered from here (first_socket.py), before the slow imports below and the hooks' check.
        first = FirstSocket(config, DaemonState())
        # The parts' checks import their code (Redis's client): status says `starting` through them too. A
        # setting they refuse ends the start here, its socket removed (below), as any failed start does.
        first.answers.at("checking the settings", config.state_dir)
        check_settings()
        first.answers.at("loading the daemon's modules and checking the installed hooks", config.state_dir)
        _warn_about_hooks(config, args)
        import uvloop

        from hookd.daemon import Daemon

        daemon = Daemon(config, handle_signals=True, first=first)
        code = uvloop.run(_serve(daemon))
    except (AlreadyRunning, StateDirLocked, UnsafePathError, ActivationError) as exc:
        logs.release_stderr()
        _say(f"hookd: {exc}{foreign_runtime_dir(str(exc))}{_state_dir_setting(str(exc), config.state_dir)}")
        return exits.FAILURE
    finally:
        if first is not None and (daemon is None or daemon.first is not None):
            first.close()  # no start took it over (and closes it): a failure before
        # Before any traceback is printed: the queued lines first, and stderr given back.
        logs.release_stderr()
    return code or exits.OK


def _state_dir_setting(text: str, state_dir: str) -> str:
    """The setting behind a state directory hookd cannot make (a read-only or foreign home): the
    message names the path, and the user needs the knob that moves it."""
    if not text.startswith(f"cannot create the directory {state_dir}"):
        return ""
    return (
        "; the state directory is the state_dir setting (HOOKD_STATE_DIR, --state-dir, or "
        "$XDG_STATE_HOME/hookd, else ~/.local/state/hookd): point it at a directory you can write, "
        "and install the hooks again (hookd hooks install) so that hook-send keeps events there too"
    )


async def _serve(daemon: Any) -> int:
    """The daemon as the process's one job: what is process-wide is done here, not in Daemon."""
    import gc

    from hookd.ingest.budget import give_back_large_buffers

    give_back_large_buffers()
    async with daemon.running():
        # What start-up built (modules, the redaction tables, settings: 40,000 objects) lives
        # as long as the process. Frozen, a full collection no longer walks it, so requests in
        # flight do not wait out that stall (bench/README.md, HTTP hooks).
        gc.freeze()
        await daemon.should_exit.wait()
    return int(daemon.exit_code)


def _say(text: str) -> None:
    """A last line on stderr, which may be gone by now."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass


def _warn_about_hooks(config: Any, args: argparse.Namespace) -> None:
    """At start: installed hooks that are broken or send elsewhere, each with its repair."""
    import structlog

    from hookd.hooks import fields, http_reach, ports, reach, sources
    from hookd.hooks.settings import scope_paths

    log = structlog.get_logger("hookd.hooks")
    scopes, unnamed = scope_paths()
    for why in unnamed:  # no home: the user's settings cannot be found, the project's still are
        log.warning("hooks_not_checked", problem=why)
    try:
        # The files `hookd status` and `hookd hooks status` check: the scopes', managed ones, plugins'.
        hooked = sources.read(scopes, config.http_addr)
        read, repairs = hooked.settings, hooked.repairs  # each file read once for the three checks
        found = reach.check(read, config.socket, config.state_dir, config_file_of(args), repairs=repairs)
        found.findings += http_reach.misses(read, config.http_addr or None, config, repairs)
        found.findings += fields.findings(read, hooked.url, config_file_of(args), repairs, hooked.merged)
        found.findings += hooked.switched_off()
        # HTTP hooks posting to a port another user listens on hand that user every event.
        held = ports.hook_url_problems(ports.http_urls(read, config), config.http_token_file)
    except Exception:  # a check of other files must never keep the daemon from starting
        log.exception("hooks_check_failed")
        return
    for problem in held:
        log.error("hooks_port_held_by_another_user", problem=problem)
    for finding in found.findings:
        log.warning(
            "hooks_would_miss",
            settings=finding.path,
            events=finding.events,
            problem=finding.problem,
            repair=finding.repair,
        )
