"""Security and operations facts: settings modules and sensitive names, logging, shutdown."""
