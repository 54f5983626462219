"""SWE-agent trajectories (`*.traj`) -> data/swe-agent/<id>.json.gz.

    python benchmarks/replay/import_swe_agent.py --source GIT_DIR   # a clone or mirror of SWE-agent/SWE-agent

Steps come from the file's `trajectory` list (thought, action, observation per step). The observation is
the tool output as SWE-agent recorded it; the model saw it inside the framework's next-turn template
(e.g. "(Open file: ...)\\n(Current directory: ...)\\nbash-$"), which is not added here. File views
(`open`, `goto`, `scroll_*`, `str_replace_editor view`) are Read steps; edits (`edit`, `create`, `insert`, `append`,
`str_replace_editor` create/str_replace/insert/undo_edit) are Edit steps; everything else is Bash.
"""

from __future__ import annotations

import argparse
import shlex

import orjson
from trajectory_io import Source, step, text_of, trajectory, write_trajectory

REPOSITORY = "SWE-agent/SWE-agent"
LICENSE = "MIT"
COMMIT = "3ea751c087f32b16e039a2233dd6eefecef325d5"
# Every trajectory SWE-agent commits, but for the `replay__marshmallow-*` demonstrations: those replay
# one scripted run under eight configurations, so two stand for them (the windowed default tools and
# the str_replace_editor function-calling tools). function_calling_simple.traj has no steps.
FILES = [
    "tests/test_data/trajectories/gpt4__swe-agent-test-repo__default_from_url__t-0.00__p-0.95__c-3.00__install-1/6e44b9__sweagenttestrepo-1c2844.traj",
    "tests/test_data/trajectories/gpt4__swe-agent__test-repo__default_from_url__t-0.00__p-0.95__c-3.00__install-1/swe-agent__test-repo-i1.traj",
    "tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1/pydicom__pydicom-1458.traj",
    "trajectories/demonstrations/ctf/crypto/BabyEncryption.traj",
    "trajectories/demonstrations/ctf/crypto/BabyTimeCapsule.traj",
    "trajectories/demonstrations/ctf/crypto/eps.traj",
    "trajectories/demonstrations/ctf/crypto/katy.traj",
    "trajectories/demonstrations/ctf/forensics/flash.traj",
    "trajectories/demonstrations/ctf/misc/networking_1.traj",
    "trajectories/demonstrations/ctf/pwn/warmup.traj",
    "trajectories/demonstrations/ctf/rev/rock.traj",
    "trajectories/demonstrations/ctf/web/i_got_id_demo.traj",
    "trajectories/demonstrations/human_thought__swe-bench-HumanEvalFix-python__lcb__t-0.00__p-0.95__c-4.00__install-0/humanevalfix-python-0.traj",
    "trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__default__t-0.20__p-0.95__c-2.00__install-1___install_from_source/marshmallow-code__marshmallow-1867.traj",
    "trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace__install-1/marshmallow-code__marshmallow-1867.traj",
]
CUT_NOTE = (
    "open/goto/scroll_up/scroll_down (and str_replace_editor view of big files) show a window of the "
    "file, not all of it; SWE-agent 1.x also cuts observations over its max_observation_length"
)
VIEW_COMMANDS = {"open", "goto", "scroll_up", "scroll_down"}
EDIT_COMMANDS = {"edit", "create", "insert", "append"}
EDITOR_EDITS = {"create", "str_replace", "insert", "undo_edit"}


def state_of(entry: dict) -> dict:
    state = entry.get("state") or {}
    return orjson.loads(state) if isinstance(state, str) else state


def classify(action: str, state: dict) -> tuple[str, str, dict]:
    """(tool, raw_tool, input) for one SWE-agent action string."""
    action = action.rstrip("\n")
    words = action.split(maxsplit=3)
    name = words[0] if words else ""
    if name in VIEW_COMMANDS:
        path = words[1] if name == "open" and len(words) > 1 else state.get("open_file", "")
        return "Read", name, {"file_path": path.strip("\"'"), "command": action}
    if name == "str_replace_editor" and len(words) > 2:
        sub, path = words[1], words[2]
        if sub == "view":
            return "Read", f"{name} view", {"file_path": path, "command": action}
        if sub in EDITOR_EDITS:
            return "Edit", f"{name} {sub}", {"file_path": path, "command": action}
    if name in EDIT_COMMANDS:
        path = state.get("open_file", "") if name != "create" else (shlex.split(words[1])[0] if len(words) > 1 else "")
        return "Edit", name, {"file_path": path, "command": action}
    return "Bash", name, {"command": action}


def model_of(raw: dict, path: str) -> str:
    replay = raw.get("replay_config")
    if replay:
        config = orjson.loads(replay) if isinstance(replay, str) else replay
        name = ((config.get("agent") or {}).get("model") or {}).get("name")
        if name:
            return name
    run_dir = path.rsplit("/", 2)[-2]
    return run_dir.split("__", 1)[0] if run_dir.startswith("gpt4__") else "not named by the source"


def traj_id(path: str) -> str:
    parts = path.split("/")
    if "ctf" in parts:
        return "swe-agent-ctf-" + parts[-1].removesuffix(".traj").lower()
    run = parts[-2]
    kind = "replay-fc" if "function_calling" in run else "replay" if run.startswith("replay__") else "run"
    if run.startswith("human_thought"):
        kind = "human-thought"
    return f"swe-agent-{kind}-" + parts[-1].removesuffix(".traj").lower()


def normalize(raw: dict, path: str, source: Source) -> dict:
    history = raw.get("history") or []
    first_action = next((i for i, m in enumerate(history) if m.get("role") == "assistant"), len(history))
    system = next((text_of(m["content"]) for m in history[:first_action] if m["role"] == "system"), None)
    task = "\n\n".join(text_of(m["content"]) for m in history[:first_action] if m["role"] == "user")
    steps = []
    for entry in raw["trajectory"]:
        tool, raw_tool, tool_input = classify(entry["action"], state_of(entry))
        steps.append(step(entry.get("thought") or "", tool, raw_tool, tool_input, entry.get("observation") or ""))
    agent = "SWE-agent (demonstration)" if "/demonstrations/" in path else "SWE-agent (test data run)"
    if "human_thought" in path:
        agent = "SWE-agent (demonstration with human-written thoughts)"
    provenance = source.provenance(path, COMMIT, agent, model_of(raw, path))
    return trajectory(traj_id(path), "swe-agent", provenance, True, CUT_NOTE, system, task, steps, "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="git dir of SWE-agent/SWE-agent")
    source = Source(parser.parse_args().source, REPOSITORY, LICENSE)
    for path in FILES:
        write_trajectory(normalize(orjson.loads(source.show(COMMIT, path)), path, source))
    print(f"{REPOSITORY}@{COMMIT[:10]}: {len(FILES)} trajectories")


if __name__ == "__main__":
    main()
