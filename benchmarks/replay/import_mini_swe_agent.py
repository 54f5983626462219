"""mini-SWE-agent trajectories (`*.traj.json`) -> data/mini-swe-agent/<id>.json.gz.

    python benchmarks/replay/import_mini_swe_agent.py --gemini GIT_DIR --deepseek GIT_DIR

GIT_DIR is a clone or mirror of the repository named in SOURCES below. Which runs are taken is a rule
over the committed file list (every Nth instance in name order), never a choice by content.

Two trajectory formats:
- v1 text format (mini 1.x): each assistant message carries one ```bash block; the next user message is
  what the model saw (`<returncode>..</returncode>` and `<output>`, or head and tail around
  `<elided_chars>` for outputs of 10,000 characters and more). An assistant message without exactly one
  block gets the framework's format-error feedback instead; such a step has tool "Other" (nothing ran).
- v2 tool-call format (mini 2.x): each assistant tool call is answered by a `tool` message.
In both, the run ends with the submission: the output of the submit command, recorded by the framework
(as a last user message in v1, an `exit` message in v2) but never sent back to the model.
"""

from __future__ import annotations

import re

import orjson
from trajectory_io import Source, run_importer, step, text_of, trajectory, write_trajectory

BASH_BLOCK = re.compile(r"```bash\s*\n(.*?)\n```", re.DOTALL)
RETURNCODE = re.compile(r"<returncode>(-?\d+)</returncode>")
CUT_NOTE = (
    "outputs of 10,000 characters or more were shown as their first and last 5,000 characters around an "
    "'<elided_chars>N characters elided</elided_chars>' marker, after a warning"
)

# (key, repository, license, commit, folder, every Nth, id prefix, how the runs were committed)
SOURCES = {
    "gemini": [
        (
            "gruckion/mini-swe-agent",
            "MIT",
            "d12a71affd95403b036b2bdbd827349b77bfffb9",
            "swebench_results/20251118_gemini-3-pro-74pct/trajs",
            20,
            "mini-gemini3pro",
        )
    ],
    "deepseek": [
        (
            "SWE-agent/mini-swe-agent",
            "MIT",
            # head of pull request #816 (XieZhiliang-code's DeepSeek evaluation runs)
            "e5e0fbca1c60561bde25fa473b78717aa4b3f9ec",
            "output/deepseek_chat_test_1-100",
            5,
            "mini-deepseekchat",
        ),
        (
            "SWE-agent/mini-swe-agent",
            "MIT",
            "e5e0fbca1c60561bde25fa473b78717aa4b3f9ec",
            "output/deepseek_reasoner_dev",
            1,
            "mini-deepseekreasoner",
        ),
    ],
}


def failed(observation: str) -> bool:
    match = RETURNCODE.search(observation)
    return match is not None and match.group(1) != "0"


def split_action(content: str) -> tuple[str, str | None]:
    """(the model's text around the block, the command) or (text, None) when there is not exactly one
    block, which mini-SWE-agent answers with format-error feedback."""
    blocks = BASH_BLOCK.findall(content)
    if len(blocks) != 1:
        return content.strip(), None
    match = BASH_BLOCK.search(content)
    around = [content[: match.start()].strip(), content[match.end() :].strip()]
    return "\n\n".join(part for part in around if part), blocks[0]


def text_steps(messages: list[dict], t0: float | None) -> tuple[list[dict], str]:
    """Steps of a v1 (text format) trajectory, starting after the task; and the final text."""
    steps: list[dict] = []
    final = ""
    i = 0
    while i < len(messages):
        msg = messages[i]
        if msg["role"] != "assistant":
            i += 1
            continue
        content = text_of(msg["content"])
        reply = messages[i + 1] if i + 1 < len(messages) and messages[i + 1]["role"] == "user" else None
        if reply is None:
            final = content.strip()
            break
        thought, command = split_action(content)
        observation = text_of(reply["content"])
        created = ((msg.get("extra") or {}).get("response") or {}).get("created")
        ts = created - t0 if created is not None and t0 is not None else None
        if command is None:
            steps.append(step(thought, "Other", "format_error", {}, observation, True, ts))
        else:
            steps.append(step(thought, "Bash", "bash", {"command": command}, observation, failed(observation), ts))
        i += 2
    return steps, final


def toolcall_steps(messages: list[dict], t0: float | None) -> tuple[list[dict], str]:
    """Steps of a v2 (tool-call format) trajectory; and the final text."""
    answers = {m["tool_call_id"]: m for m in messages if m["role"] == "tool"}
    exit_text = next((text_of(m["content"]) for m in messages if m["role"] == "exit"), "")
    steps: list[dict] = []
    final = ""
    for i, msg in enumerate(messages):
        if msg["role"] != "assistant":
            continue
        calls = msg.get("tool_calls") or []
        ts_raw = (msg.get("extra") or {}).get("timestamp")
        ts = ts_raw - t0 if ts_raw is not None and t0 is not None else None
        thought = text_of(msg["content"]).strip()
        if not calls:
            nxt = messages[i + 1] if i + 1 < len(messages) else None
            if nxt is not None and nxt["role"] == "user":
                steps.append(step(thought, "Other", "format_error", {}, text_of(nxt["content"]), True, ts))
            else:
                final = thought
            continue
        for n, call in enumerate(calls):
            command = orjson.loads(call["function"]["arguments"]).get("command", "")
            answer = answers.get(call["id"])
            # The submit command's output is the submission itself, recorded only in the exit message.
            observation = text_of(answer["content"]) if answer else exit_text
            steps.append(
                step(
                    thought if n == 0 else "",
                    "Bash",
                    call["function"]["name"],
                    {"command": command},
                    observation,
                    failed(observation),
                    ts,
                )
            )
    return steps, final


def start_time(messages: list[dict]) -> float | None:
    stamps = []
    for msg in messages:
        extra = msg.get("extra") or {}
        stamp = extra.get("timestamp", (extra.get("response") or {}).get("created"))
        if stamp is not None:
            stamps.append(stamp)
    return min(stamps) if stamps else None


def normalize(raw: dict, traj_id: str, provenance: dict) -> dict | None:
    """The normalized trajectory, or None for a run that ended before the model's first answer."""
    messages = raw["messages"]
    first_action = next((i for i, m in enumerate(messages) if m["role"] == "assistant"), None)
    if first_action is None:
        return None
    system = next((text_of(m["content"]) for m in messages[:first_action] if m["role"] == "system"), None)
    task = "\n\n".join(text_of(m["content"]) for m in messages[:first_action] if m["role"] == "user")
    t0 = start_time(messages)
    toolcalls = any(m.get("tool_calls") for m in messages if m["role"] == "assistant")
    steps, final = (toolcall_steps if toolcalls else text_steps)(messages[first_action:], t0)
    return trajectory(traj_id, "mini-swe-agent", provenance, True, CUT_NOTE, system, task, steps, final)


def import_source(
    git_dir: str, repository: str, license: str, commit: str, folder: str, every: int, prefix: str
) -> tuple[int, int]:
    """(trajectories written, runs skipped because the model never answered)."""
    source = Source(git_dir, repository, license)
    paths = [p for p in source.list(commit, folder) if p.endswith(".traj.json")][::every]
    written = 0
    for path in paths:
        raw = orjson.loads(source.show(commit, path))
        info = raw["info"]
        agent = f"mini-swe-agent {info.get('mini_version', '')}".strip()
        model = info["config"]["model"]["model_name"]
        instance = raw.get("instance_id") or path.rsplit("/", 1)[-1].removesuffix(".traj.json")
        provenance = source.provenance(path, commit, agent, model)
        normalized = normalize(raw, f"{prefix}-{instance}", provenance)
        if normalized is not None:
            write_trajectory(normalized)
            written += 1
    return written, len(paths) - written


def main() -> None:
    run_importer(
        __doc__,
        {
            "gemini": ("git dir of gruckion/mini-swe-agent", SOURCES["gemini"]),
            "deepseek": ("git dir of SWE-agent/mini-swe-agent (with its pull request refs)", SOURCES["deepseek"]),
        },
        import_source,
    )


if __name__ == "__main__":
    main()
