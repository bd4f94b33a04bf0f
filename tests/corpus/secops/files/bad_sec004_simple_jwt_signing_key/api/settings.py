SIMPLE_JWT = {"SIGNING_KEY": "jwt-Signing-Key-8812-prod", "ALGORITHM": "HS256"}
