from ledger.models import Account, Entry, Owner, db

def owner(account_id):
    account = Account.query.filter_by(id=account_id).first()
    return account.owner.name
