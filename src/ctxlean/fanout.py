"""`ctxlean.fanout`: dependency-aware parallel model steps (see ctxlean.batch.fanout for the details)."""

from ctxlean.batch.fanout import (
    FanoutReport,
    GraphError,
    Step,
    StepOutput,
    StepResult,
    StepRunner,
    run_graph,
)
from ctxlean.batch.step_runners import AgentSDKSteps, AnthropicSteps, StepFailed

__all__ = ["AgentSDKSteps", "AnthropicSteps", "FanoutReport", "GraphError", "Step", "StepFailed", "StepOutput",
           "StepResult", "StepRunner", "run_graph"]
