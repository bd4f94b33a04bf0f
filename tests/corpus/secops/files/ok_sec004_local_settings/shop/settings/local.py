SECRET_KEY = "local-only-9c1b2a"
