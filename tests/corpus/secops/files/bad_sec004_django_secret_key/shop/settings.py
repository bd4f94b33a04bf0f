SECRET_KEY = "django-insecure-q8v#n3r0x@p7m$k2w9z&t4b6y1c5e8h0j3"
