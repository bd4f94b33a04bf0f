RESOURCE_PASSWORD = "Passwords"
TOKEN_HEADER = "X-Auth-Token"
SESSION_COOKIE_NAME = "sessionid"
