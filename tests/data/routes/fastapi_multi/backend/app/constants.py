API_PREFIX = "/api"
V1 = "/v1"
