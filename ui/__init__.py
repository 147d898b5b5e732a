"""The journalqa Gradio UI: a thin shell over ``journalqa.Assistant`` (``python -m ui.app``)."""
