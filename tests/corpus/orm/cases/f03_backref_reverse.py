from ledger.models import Account, Entry, Owner, db

def accounts():
    return [len(o.accounts) for o in db.session.execute(db.select(Owner)).scalars()]  # expect: ORM001
