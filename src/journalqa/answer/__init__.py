"""The answer stage: sentence evidence, the fitted verdict, extractive and LLM answers, claim verification, and
rendering an answer for the CLI, the UI and JSON."""
