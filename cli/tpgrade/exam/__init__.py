"""The written exam: a question bank, papers drawn from it, and their grading."""
