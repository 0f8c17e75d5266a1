"""What the pages teach, as plain functions: concepts, experiments, the interview's questions, the
sweep. Built on the core (distill_core's top-level modules); the core never imports this package."""
