"""The course's own commands: the student's check, the instructor's validation, the demo, the student bundle, Gradescope."""
