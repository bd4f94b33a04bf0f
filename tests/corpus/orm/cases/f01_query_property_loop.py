from ledger.models import Account, Entry, Owner, db

def owners():
    return [a.owner.name for a in Account.query.filter_by(owner_id=3).all()]  # expect: ORM001
