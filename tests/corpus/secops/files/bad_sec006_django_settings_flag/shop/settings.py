from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = True
ROOT_URLCONF = "shop.urls"
