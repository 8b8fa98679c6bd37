"""A cohort: intake of hand-ins, parallel grading, the results store, the late policy, adjustments."""
