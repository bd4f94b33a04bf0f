DEBUG = True  # verbose feature-flag tracing, not a framework debug mode
