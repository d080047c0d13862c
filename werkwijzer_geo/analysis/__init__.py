"""What the observations say: selections under a time filter, grids in metres, places,
rounds derived from sessions, patterns read against effort, effects of experiments, what
changed after events, stories as themes, the public (aggregated) view, and the evaluation of
the pattern finder."""

__all__ = ["aggregate", "connections", "cube", "effects", "evaluation", "patterns", "placing",
           "public", "selection", "sessions", "stories"]
