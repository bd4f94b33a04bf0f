from ledger.models import Account, Entry, Owner, db

def totals():
    return [a.entries.count() for a in Account.query.all()]  # expect: ORM001
