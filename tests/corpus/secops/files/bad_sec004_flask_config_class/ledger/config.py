class Config:
    SECRET_KEY = "7d9f2c4a8b1e6f3a0c5d9e2b4f7a1c8e"
    DATABASE_URL = "postgresql://ledger:L3dg3r-pw-91x@ledger-db.internal:5432/ledger"
