PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
