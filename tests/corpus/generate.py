"""Writes the project's own hook payload corpus: one Claude Code hook payload per file.

Run `python tests/corpus/generate.py` after changing it; tests/test_corpus.py checks that the
committed files are exactly what this script writes. One invented session in one invented
project, shaped as the Claude Code hooks reference documents each event, plus large payloads,
non-ASCII text and an event no version of hookd knows. Files are json.dumps(ensure_ascii=False)
with the default separators: tests measure fields by re-encoding them the same way.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SESSION = "9d4e2c71-6b3a-4f08-8e15-2c7a90f4b1d6"
CWD = "/home/dev/src/orbit-shipping"
TRANSCRIPT = f"/home/dev/.claude/projects/-home-dev-src-orbit-shipping/{SESSION}.jsonl"
AGENT = "b41f07c9e2d65a18"


def common(hook_event_name: str, **fields) -> dict:
    return {
        "session_id": SESSION,
        "transcript_path": TRANSCRIPT,
        "cwd": CWD,
        "permission_mode": "default",
        "hook_event_name": hook_event_name,
        **fields,
    }


def source_file(lines: int, rng: random.Random) -> str:
    """A plausible Python module, with some non-ASCII in its comments."""
    out = ['"""Shipping rate tables."""', "from decimal import Decimal", ""]
    for i in range(lines):
        rate = f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d}"
        out.append(f"def zone_{i}_rate(weight_kg: Decimal) -> Decimal:  # Zone {i} — tarif ✓ 料金")
        out.append(f"    return weight_kg * Decimal('{rate}')")
    return "\n".join(out) + "\n"


def payloads() -> dict[str, dict]:
    rng = random.Random(20261203)
    rates = f"{CWD}/shipping/rates.py"
    edit_old, edit_new = "return total", "return total.quantize(Decimal('0.01'))"
    module = source_file(40, rng)
    big_module = source_file(2900, rng)
    pytest_lines = "".join(
        f"tests/test_rates.py::test_zone_{i} PASSED [{i * 100 // 40000:3d}%]\n" for i in range(40000)
    )
    edit_id, write_id, bash_id = (
        "toolu_01Kq7Zr2Vw9Xb4Ns6Lm3Pd8Ty",
        "toolu_01Wr1TeFg5Hj7Kl9Mn2Bv4Cx",
        "toolu_01Bs3hRn8Tq2Wz6Yp4Lk9Md1",
    )
    return {
        "session_start_startup": common("SessionStart", source="startup", model="claude-sonnet-4-5"),
        "session_start_resume": common("SessionStart", source="resume"),
        "setup": common("Setup", trigger="init"),
        "user_prompt_submit": common(
            "UserPromptSubmit",
            prompt=(
                "Add a per-zone surcharge to the shipping rates and test it. Keep the Decimal rounding "
                "rules from rates.py."
            ),
        ),
        "user_prompt_unicode": common(
            "UserPromptSubmit",
            prompt=(
                'Переведи сообщения об ошибках на русский 🇷🇺 и 日本語 — keep "quotes", back\\slashes,\t'
                "a tab, a line\u2028separator and 👩‍💻 intact."
            ),
        ),
        "user_prompt_expansion": common(
            "UserPromptExpansion",
            prompt="/review shipping/rates.py",
            expanded_prompt="Review shipping/rates.py for rounding errors.",
        ),
        "pre_tool_use_bash": common(
            "PreToolUse",
            tool_name="Bash",
            tool_input={
                "command": "pytest -x tests/test_rates.py -q",
                "description": "Run the rate tests",
                "timeout": 120000,
            },
            tool_use_id=bash_id,
        ),
        "post_tool_use_bash": common(
            "PostToolUse",
            tool_name="Bash",
            tool_input={"command": "git status --short", "description": "Show changes"},
            tool_response={
                "stdout": " M shipping/rates.py\n?? shipping/surcharge.py\n",
                "stderr": "",
                "interrupted": False,
                "isImage": False,
            },
            tool_use_id="toolu_01Gs5tAtUs0000000000000b",
        ),
        "pre_tool_use_edit": common(
            "PreToolUse",
            tool_name="Edit",
            tool_input={"file_path": rates, "old_string": edit_old, "new_string": edit_new, "replace_all": False},
            tool_use_id=edit_id,
        ),
        "post_tool_use_edit": common(
            "PostToolUse",
            tool_name="Edit",
            tool_input={"file_path": rates, "old_string": edit_old, "new_string": edit_new},
            tool_response={
                "filePath": rates,
                "oldString": edit_old,
                "newString": edit_new,
                "originalFile": module,
                "structuredPatch": [
                    {
                        "oldStart": 12,
                        "oldLines": 1,
                        "newStart": 12,
                        "newLines": 1,
                        "lines": [f"-    {edit_old}", f"+    {edit_new}"],
                    }
                ],
                "userModified": False,
                "replaceAll": False,
            },
            tool_use_id=edit_id,
        ),
        "pre_tool_use_write": common(
            "PreToolUse",
            tool_name="Write",
            tool_input={"file_path": f"{CWD}/shipping/surcharge.py", "content": module},
            tool_use_id=write_id,
        ),
        "post_tool_use_write": common(
            "PostToolUse",
            tool_name="Write",
            tool_input={"file_path": f"{CWD}/shipping/surcharge.py", "content": module},
            tool_response={
                "type": "create",
                "filePath": f"{CWD}/shipping/surcharge.py",
                "content": module,
                "structuredPatch": [],
            },
            tool_use_id=write_id,
        ),
        "pre_tool_use_mcp": common(
            "PreToolUse",
            tool_name="mcp__github__create_issue",
            tool_input={
                "owner": "orbit",
                "repo": "shipping",
                "title": "Surcharge rounding",
                "body": "Surcharges round half-up; the rate table rounds half-even.",
            },
            tool_use_id="toolu_01McpGh0000000000000000b",
        ),
        "pre_tool_use_task": common(
            "PreToolUse",
            tool_name="Task",
            tool_input={
                "description": "Review surcharge logic",
                "prompt": "Read shipping/surcharge.py and list rounding bugs.",
                "subagent_type": "code-reviewer",
            },
            tool_use_id="toolu_01TaskQw0987654321abcdef",
        ),
        "permission_request": common(
            "PermissionRequest",
            tool_name="Bash",
            tool_input={"command": "rm -rf dist/", "description": "Clean the build output"},
            permission_suggestions=[
                {
                    "type": "addRules",
                    "rules": [{"toolName": "Bash", "ruleContent": "rm -rf dist/"}],
                    "behavior": "allow",
                    "destination": "localSettings",
                }
            ],
        ),
        "permission_denied": common(
            "PermissionDenied",
            tool_name="Bash",
            tool_input={"command": "git push --force origin main"},
            reason="denied by rule Bash(git push --force:*)",
        ),
        "post_tool_use_failure": common(
            "PostToolUseFailure",
            tool_name="Bash",
            tool_input={"command": "make release", "description": "Build a release"},
            tool_use_id="toolu_01FailQw000000000000000b",
            error="Command failed with exit code 2: make: *** No rule to make target 'release'.",
            is_interrupt=False,
            duration_ms=143,
        ),
        "post_tool_use_grep": common(
            "PostToolUse",
            tool_name="Grep",
            tool_input={"pattern": "quantize\\(", "path": CWD, "output_mode": "files_with_matches"},
            tool_response={
                "mode": "files_with_matches",
                "filenames": ["shipping/rates.py", "shipping/surcharge.py"],
                "numFiles": 2,
            },
            tool_use_id="toolu_01GrepQw000000000000000b",
        ),
        "post_tool_use_todowrite": common(
            "PostToolUse",
            tool_name="TodoWrite",
            tool_input={
                "todos": [
                    {"content": "Add zone surcharge", "status": "in_progress", "activeForm": "Adding zone surcharge"},
                    {"content": "Write tests", "status": "pending", "activeForm": "Writing tests"},
                ]
            },
            tool_response={
                "oldTodos": [],
                "newTodos": [
                    {"content": "Add zone surcharge", "status": "in_progress", "activeForm": "Adding zone surcharge"},
                    {"content": "Write tests", "status": "pending", "activeForm": "Writing tests"},
                ],
            },
            tool_use_id="toolu_01TodoQw000000000000000b",
        ),
        "post_tool_use_read_large": common(
            "PostToolUse",
            tool_name="Read",
            tool_input={"file_path": f"{CWD}/shipping/generated_rates.py"},
            tool_response={
                "type": "text",
                "file": {
                    "filePath": f"{CWD}/shipping/generated_rates.py",
                    "content": big_module,
                    "numLines": big_module.count("\n"),
                    "startLine": 1,
                    "totalLines": big_module.count("\n"),
                },
            },
            tool_use_id="toolu_01ReadBig00000000000000b",
        ),
        "post_tool_use_bash_huge": common(
            "PostToolUse",
            tool_name="Bash",
            tool_input={"command": "pytest -v", "description": "Run the whole suite verbosely"},
            tool_response={"stdout": pytest_lines, "stderr": "", "interrupted": False, "isImage": False},
            tool_use_id="toolu_01BashHuge0000000000000b",
        ),
        "post_tool_batch": common(
            "PostToolBatch",
            tool_calls=[
                {
                    "tool_name": "Edit",
                    "tool_input": {"file_path": rates, "old_string": edit_old, "new_string": edit_new},
                    "tool_use_id": edit_id,
                    "tool_response": "The file has been updated.",
                },
                {
                    "tool_name": "Write",
                    "tool_input": {"file_path": f"{CWD}/shipping/surcharge.py", "content": module},
                    "tool_use_id": write_id,
                    "tool_response": f"File created successfully at: {CWD}/shipping/surcharge.py",
                },
            ],
        ),
        "notification": common(
            "Notification", message="Claude needs your permission to use Bash", notification_type="permission_prompt"
        ),
        "notification_idle": common(
            "Notification", message="Claude is waiting for your input", notification_type="idle_prompt"
        ),
        "message_display": common(
            "MessageDisplay",
            turn_id="0c9e6a2f-7d41-4f4e-9a15-3f4f7c2b8d10",
            message_id="5b2a9c8e-1f63-4d8a-b7c4-9e0d2a6f1c3b",
            index=0,
            final=True,
            delta="Done: the surcharge applies to zones 4 and 5.\n",
        ),
        "subagent_start": common("SubagentStart", agent_id=AGENT, agent_type="code-reviewer"),
        "subagent_stop": common(
            "SubagentStop",
            stop_hook_active=False,
            agent_id=AGENT,
            agent_type="code-reviewer",
            agent_transcript_path=f"{TRANSCRIPT[:-6]}/subagents/agent-{AGENT}.jsonl",
            last_assistant_message="One rounding bug in surcharge.py line 18.",
        ),
        "task_created": common("TaskCreated", task_id="task-7", description="Add zone surcharge"),
        "task_completed": common("TaskCompleted", task_id="task-7", status="completed"),
        "stop": common(
            "Stop", stop_hook_active=False, last_assistant_message="Zone surcharge added; 40,000 tests pass."
        ),
        "stop_failure": common("StopFailure", error="overloaded_error", error_message="Overloaded"),
        "teammate_idle": common("TeammateIdle", teammate_name="reviewer", team_name="shipping"),
        "instructions_loaded": common(
            "InstructionsLoaded", file_path=f"{CWD}/CLAUDE.md", memory_type="Project", load_reason="session_start"
        ),
        "config_change": common("ConfigChange", source="user_settings", file_path="/home/dev/.claude/settings.json"),
        "cwd_changed": common("CwdChanged", old_cwd=CWD, new_cwd=f"{CWD}/shipping"),
        "directory_added": common("DirectoryAdded", directory="/home/dev/src/orbit-common", source="slash_command"),
        "file_changed": common("FileChanged", file_path=f"{CWD}/.env.example", event="change"),
        "worktree_create": common("WorktreeCreate", name="surcharge-spike"),
        "worktree_remove": common("WorktreeRemove", worktree_path="/home/dev/src/orbit-shipping-surcharge-spike"),
        "pre_compact_auto": common("PreCompact", trigger="auto", custom_instructions=""),
        "pre_compact_manual": common(
            "PreCompact", trigger="manual", custom_instructions="Keep the rate table decisions."
        ),
        "post_compact": common("PostCompact", trigger="auto", compact_summary="Surcharge work in progress."),
        "pre_model_switch": common("PreModelSwitch", from_model="claude-sonnet-4-5", to_model="claude-opus-4-5"),
        "post_model_switch": common("PostModelSwitch", from_model="claude-sonnet-4-5", to_model="claude-opus-4-5"),
        "elicitation": common(
            "Elicitation",
            mcp_server_name="tracker",
            message="Which milestone?",
            requested_schema={"type": "object", "properties": {"milestone": {"type": "string"}}},
        ),
        "elicitation_result": common(
            "ElicitationResult", mcp_server_name="tracker", action="accept", content={"milestone": "Q1"}
        ),
        "session_end": common("SessionEnd", reason="prompt_input_exit"),
        "future_event_unknown_fields": common(
            "AgentHandoffPlanned",
            handoff_id=7,
            targets=[{"kind": "agent", "name": "deployer"}],
            nested={"a": {"b": {"c": [1, 2.5, None, True, "ü"]}}},
        ),
    }


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for name, payload in payloads().items():
        path = HERE / f"{name}.json"
        text = json.dumps(payload, ensure_ascii=False)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale corpus files (run tests/corpus/generate.py):", *stale)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
