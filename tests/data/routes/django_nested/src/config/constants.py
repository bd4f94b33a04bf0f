API_ROOT = "api/"
