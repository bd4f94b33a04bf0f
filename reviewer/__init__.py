"""reviewer: a static analyser for backend code review (Python + SQL), with a scored report."""

__version__ = "0.1.0"
