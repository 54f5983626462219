"""OpenHands event histories -> data/openhands/<id>.json.gz.

    python benchmarks/replay/import_openhands.py --openhands GIT_DIR --nunu GIT_DIR

Sources (SOURCES below): evaluation outputs (`output.jsonl`, one run a line, its `history` the event
stream) and the runtime tests' recorded sessions (`tests/runtime/trajs/*.json`, a bare event list).
Both the current event shape ({action, args} / {observation, content, extras, cause}) and the 2024 one
(fields inline, no ids) are read; an action's observation is the one whose `cause` is its id, else the
next observation.

What the model saw for a command is the observation's `content` between the runtime's
`metadata.prefix` and `metadata.suffix` (e.g. "\\n[The command completed with exit code 0.]"), joined
here in that order. An agent message answered by a user message (OpenHands' "please continue" reply
in evaluation runs) is a step of tool "Other" (nothing ran). The workspace context a `recall` adds to
the first prompt is not reproduced (the events keep only its parts). Runs without a tool step are
skipped.
"""

from __future__ import annotations

from datetime import datetime

import orjson
from trajectory_io import Source, run_importer, step, text_of, trajectory, write_trajectory

CUT_NOTE = (
    "content is as the runtime recorded it; the agent sends an observation longer than its "
    "llm max_message_chars (30,000 characters by default) to the model with the middle cut out"
)
MAX_MESSAGE_CHARS = 30_000  # OpenHands' default llm max_message_chars
SHELL_ACTIONS = {"run", "run_ipython"}
IGNORED_ACTIONS = {"system", "recall", "change_agent_state", "finish", "message"}

# (repository, license, commit, path, kind: "outputs" | "events", id)
SOURCES = {
    "openhands": [
        (
            "OpenHands/OpenHands",
            "MIT",
            "3d22520992ea4a65c183376e8568bad6d4dedeec",
            "evaluation/benchmarks/multi_swe_bench/examples/output.jsonl",
            "outputs",
            None,
        ),
        (
            "OpenHands/OpenHands",
            "MIT",
            "d6fab190bfb55f07cc380993b45ec4f781706a92",
            "tests/unit/resolver/mock_output/output.jsonl",
            "outputs",
            None,
        ),
        (
            "OpenHands/OpenHands",
            "MIT",
            "d6fab190bfb55f07cc380993b45ec4f781706a92",
            "tests/runtime/trajs/basic.json",
            "events",
            "openhands-runtime-basic",
        ),
        (
            "OpenHands/OpenHands",
            "MIT",
            "d6fab190bfb55f07cc380993b45ec4f781706a92",
            "tests/runtime/trajs/basic_gui_mode.json",
            "events",
            "openhands-runtime-basic_gui_mode",
        ),
        (
            "OpenHands/OpenHands",
            "MIT",
            "d6fab190bfb55f07cc380993b45ec4f781706a92",
            "tests/runtime/trajs/basic_interactions.json",
            "events",
            "openhands-runtime-basic_interactions",
        ),
        (
            "OpenHands/OpenHands",
            "MIT",
            "d6fab190bfb55f07cc380993b45ec4f781706a92",
            "tests/runtime/trajs/wrong_initial_state.json",
            "events",
            "openhands-runtime-wrong_initial_state",
        ),
    ],
    "nunu": [
        # a Multi-SWE-bench run of OpenHands (MopenHands) committed with its results
        (
            "nunu0404/Python_OpenHands",
            "MIT",
            "c80bab5aa35f16a396e3d8d2a4e1185d4d8ca42b",
            "output.jsonl",
            "outputs",
            None,
        ),
    ],
}


def fields(event: dict, key: str) -> dict:
    """`args` or `extras` of an event; the 2024 shape keeps those fields on the event itself."""
    value = event.get(key)
    return value if isinstance(value, dict) else event


def seen_observation(obs: dict) -> str:
    extras = fields(obs, "extras")
    meta = extras.get("metadata") if isinstance(extras.get("metadata"), dict) else {}
    return f"{meta.get('prefix') or ''}{text_of(obs.get('content'))}{meta.get('suffix') or ''}"


def failed(obs: dict) -> bool:
    extras = fields(obs, "extras")
    meta = extras.get("metadata") if isinstance(extras.get("metadata"), dict) else {}
    code = meta.get("exit_code", extras.get("exit_code"))
    return obs.get("observation") == "error" or (isinstance(code, int) and code != 0)


def classify(action: dict) -> tuple[str, str, dict]:
    name = action["action"]
    args = {k: v for k, v in fields(action, "args").items() if k not in ("thought", "action")}
    if name == "run":
        return "Bash", name, {"command": args.get("command", "")}
    if name == "run_ipython":
        return "Bash", name, {"command": args.get("code", "")}
    if name == "read":
        return "Read", name, {"file_path": args.get("path", ""), **args}
    if name == "edit":
        return "Edit", name, {"file_path": args.get("path", ""), **args}
    return "Other", name, args


def is_user_message(event: dict) -> bool:
    return event.get("source") == "user" and event.get("action") == "message"


def message_text(event: dict) -> str:
    return text_of(fields(event, "args").get("content") or event.get("message"))


def seconds(stamp: str | None) -> float | None:
    return datetime.fromisoformat(stamp).timestamp() if stamp else None


def find_observation(events: list[dict], index: int) -> dict | None:
    action = events[index]
    for later in events[index + 1 :]:
        if "observation" not in later:
            continue
        if "id" not in action or later.get("cause") == action["id"]:
            return later
    return None


def normalize(events: list[dict], traj_id: str, provenance: dict, instruction: str | None) -> dict | None:
    system = next((fields(e, "args").get("content") for e in events if e.get("action") == "system"), None)
    users = [e for e in events if is_user_message(e)]
    task = instruction or (message_text(users[0]) if users else "")
    t0 = next((seconds(e["timestamp"]) for e in events if e.get("timestamp")), None)
    steps: list[dict] = []
    final = ""
    for i, event in enumerate(events):
        name = event.get("action")
        if name is None or event.get("source") == "user":
            continue
        ts = seconds(event.get("timestamp"))
        ts = ts - t0 if ts is not None and t0 is not None else None
        thought = text_of(fields(event, "args").get("thought"))
        if name == "finish":
            args = fields(event, "args")
            final = text_of(args.get("final_thought") or args.get("thought") or event.get("message"))
            continue
        if name == "message":
            text = message_text(event)
            reply = next((e for e in events[i + 1 :] if is_user_message(e)), None)
            if reply is None:
                final = text
            else:
                steps.append(step(text, "Other", "message", {}, message_text(reply), False, ts))
            continue
        if name in IGNORED_ACTIONS:
            continue
        obs = find_observation(events, i)
        tool, raw_tool, tool_input = classify(event)
        steps.append(
            step(
                thought,
                tool,
                raw_tool,
                tool_input,
                seen_observation(obs) if obs else "",
                failed(obs) if obs else False,
                ts,
            )
        )
    if not any(s["action"]["tool"] != "Other" for s in steps):
        return None
    return trajectory(traj_id, "openhands", provenance, True, CUT_NOTE, system, task, steps, final,
                      shown_max_chars=MAX_MESSAGE_CHARS)


def runs_of(raw: bytes, kind: str) -> list[dict]:
    if kind == "events":
        return [{"history": orjson.loads(raw)}]
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()]


def run_id(run: dict, fixed: str | None, repository: str, n: int) -> str:
    if fixed:
        return fixed
    instance = run.get("instance_id") or f"resolver-{(run.get('issue') or {}).get('number', n)}"
    owner = repository.split("/")[0].lower()
    return f"openhands-{owner}-{instance}"


def model_of(run: dict) -> str:
    llm = (run.get("metadata") or {}).get("llm_config") or {}
    return llm.get("model") or "not named by the source"


def agent_of(run: dict) -> str:
    meta = run.get("metadata") or {}
    version = meta.get("git_commit") or meta.get("openhands_version")
    name = f"OpenHands {meta.get('agent_class', '')}".strip()
    return f"{name} ({version})" if version else name


def import_source(
    git_dir: str, repository: str, license: str, commit: str, path: str, kind: str, fixed_id: str | None
) -> tuple[int, int]:
    source = Source(git_dir, repository, license)
    written = skipped = 0
    for n, run in enumerate(runs_of(source.show(commit, path), kind)):
        provenance = source.provenance(path, commit, agent_of(run), model_of(run))
        normalized = normalize(run["history"], run_id(run, fixed_id, repository, n), provenance, run.get("instruction"))
        if normalized is None:
            skipped += 1
            continue
        write_trajectory(normalized)
        written += 1
    return written, skipped


def main() -> None:
    run_importer(
        __doc__,
        {
            "openhands": ("git dir of OpenHands/OpenHands", SOURCES["openhands"]),
            "nunu": ("git dir of nunu0404/Python_OpenHands", SOURCES["nunu"]),
        },
        import_source,
    )


if __name__ == "__main__":
    main()
