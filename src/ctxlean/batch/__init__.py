"""Bulk and parallel model work.

Message Batches (`ctxlean batch ...`, half price, for many independent items):
  items.py     the JSONL input, every malformed line reported with its number
  template.py  the prompt template ({{field}}) and its split into cached prefix and per-item part
  requests.py  batch requests and splitting over the API's per-batch limits
  costs.py     usage, cost from the pricing data, the estimate shown before submitting
  jobs.py      the local job file (atomic), which makes every step resumable
  api.py       API calls with announced backoff, errors in plain words
  runner.py    plan, submit, collect results, retry failures
  progress.py  the progress bar on stderr
  cli.py       the `ctxlean batch` command

Fan-out (interactive work, a small dependency graph of steps run concurrently):
  fanout.py        the graph runner and the StepRunner protocol (re-exported as `ctxlean.fanout`)
  step_runners.py  AnthropicSteps (Messages API) and AgentSDKSteps (Claude Agent SDK query())
"""
