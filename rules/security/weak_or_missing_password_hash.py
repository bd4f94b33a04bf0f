from __future__ import annotations

import re

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.needs import qualified
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.secops import is_dev_path, is_password_name
from reviewer.ops.nodes import keyword, positional, string_value

FAST_HASHES = frozenset(
    f"hashlib.{name}" for name in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_512", "blake2b", "blake2s", "new")
)
WEAK_HASHERS = frozenset(
    f"django.contrib.auth.hashers.{name}"
    for name in ("MD5PasswordHasher", "UnsaltedMD5PasswordHasher", "UnsaltedSHA1PasswordHasher", "SHA1PasswordHasher", "CryptPasswordHasher")
)
WEAK_SCHEMES = frozenset({"md5_crypt", "des_crypt", "bsdi_crypt", "plaintext", "hex_md5", "hex_sha1", "hex_sha256", "ldap_md5", "ldap_sha1", "ldap_plaintext", "apr_md5_crypt", "unix_disabled"})
MIN_BCRYPT_ROUNDS = 10
MIN_PBKDF2_ITERATIONS = 100_000


class WeakOrMissingPasswordHash(PythonRule):
    """A password is hashed with a fast hash (MD5, SHA-1, SHA-256 ...) or with a weak
    password-hashing setting (a weak first entry of Django's `PASSWORD_HASHERS`, a weak
    passlib scheme, low bcrypt rounds or PBKDF2 iterations).

    Fast hashes are built to be fast: a GPU tries billions of SHA-256 guesses a second, so a
    leaked table of fast-hashed passwords is a table of passwords. Password hashes must be
    slow and salted: argon2, bcrypt, scrypt or PBKDF2 with a high iteration count. Hashing a
    high-entropy API token with SHA-256 is fine and not reported: only values named as
    passwords are, and a SHA-1 digest only cut into a prefix for a breach-corpus lookup
    (Pwned Passwords' k-anonymity range API) is no stored hash, nor is a digest kept only in
    memory: one whose every use is a dictionary or set key or a membership test (a per-request
    cache of checked passwords), never stored, returned, passed on or compared with another
    value (`digest == user.password_hash` verifies against a stored weak hash). Bandit's B324/B303 report any MD5/SHA-1 use and are dropped on lines this
    rule reports. A hash object made empty and fed the password by `update` (`m = sha1();
    m.update(passwd + salt)`) is a fast hash of it too, and so is a hash of the password passed
    through a conversion helper (`force_bytes`, `unicode2bytes`, `str`)."""

    code = "SEC003"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); first findings on held-out cohorts: 0 true of 2, 1 debatable (c4).
    opt_in = True
    name = "weak-or-missing-password-hash"
    summary = "A password is hashed with a fast hash or a weak password-hashing setting."
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "Weak password hashing: {what}"
    fix = "Use a password hasher: `PasswordHasher().hash(password)` (argon2-cffi), `bcrypt.hashpw(pw, bcrypt.gensalt())` or Django's `set_password`"
    seed = 'S2:185 "Ensure secure password handling with proper hashing"; S5:527 "bcrypt for passwords"'
    references = (
        "https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/916.html",
    )
    supersedes = ("B303", "B324")
    # What each report needs: a fast hash or PBKDF2 of something named as a password, bcrypt's
    # gensalt, passlib's CryptContext given a weak scheme, or PASSWORD_HASHERS set to a weak hasher.
    needs = (
        qualified(*sorted(FAST_HASHES), "hashlib.pbkdf2_hmac") & Needs.naming(is_password_name)
        | qualified("bcrypt.gensalt")
        | qualified("passlib.context.CryptContext", "passlib.CryptContext") & Needs(strings=tuple(sorted(WEAK_SCHEMES)))
        | Needs(names=("PASSWORD_HASHERS",)) & Needs(strings=tuple(sorted(WEAK_HASHERS)))
    )
    invalid = (
        Example(
            "import hashlib\n"
            "def register(user, password):\n"
            "    user.password_hash = hashlib.sha256(password.encode()).hexdigest()\n",
            path="app/users.py",
            lines=(3,),
        ),
        Example(
            "import hashlib\n"
            "def register(db, user, password):\n"
            "    digest = hashlib.sha256(password.encode()).hexdigest()\n"
            "    if digest in db.known:\n"
            "        return None\n"
            "    db.save(user, digest)\n",
            path="app/users.py",
            lines=(3,),
            note="a digest used as a key but also passed on to be stored",
        ),
        Example(
            "import hashlib\n"
            "def check_password(user, password):\n"
            "    digest = hashlib.md5(password.encode()).hexdigest()\n"
            "    return digest == user.password_hash\n",
            path="app/users.py",
            lines=(3,),
            note="verified against a stored MD5 hash: the stored passwords are weak hashes",
        ),
        Example(
            "import os\nfrom binascii import hexlify\nfrom hashlib import sha1\n\n"
            "def encrypt(passwd):\n"
            "    m = sha1()\n"
            "    salt = hexlify(os.urandom(4))\n"
            "    m.update(unicode2bytes(passwd) + salt)\n"
            "    return salt.decode() + m.hexdigest()\n",
            path="app/users.py",
            lines=(8,),
            note="a hash object fed the password (through a bytes conversion) by `update`: salted, still a fast hash (buildbot)",
        ),
        Example(
            'PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]\n',
            path="shop/settings.py",
            lines=(1,),
        ),
        Example("import bcrypt\ndef hash_pw(pw):\n    return bcrypt.hashpw(pw, bcrypt.gensalt(rounds=4))\n", path="app/users.py", lines=(3,)),
        Example(
            "import hashlib\n"
            "def derive(password, salt):\n"
            '    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)\n',
            path="app/users.py",
            lines=(3,),
        ),
    )
    valid = (
        Example(
            "import hashlib\n"
            "def ssha(password, salt):\n"
            "    return hashlib.sha1(password.encode() + salt).digest() + salt\n",
            path="tools/ssha.py",
            note="near-miss: a helper script in the project's top `tools/` folder is developer tooling, not the service",
        ),
        Example(
            "from argon2 import PasswordHasher\n"
            "def register(user, password):\n"
            "    user.password_hash = PasswordHasher().hash(password)\n",
            path="app/users.py",
        ),
        Example(
            "from hashlib import sha256\n\n"
            "def token_digest(api_token, salt):\n"
            "    m = sha256()\n"
            "    m.update(force_bytes(api_token) + salt)\n"
            "    return m.hexdigest()\n",
            path="app/tokens.py",
            note="near-miss: a hash object fed by `update`, but with a token, not a password",
        ),
        Example(
            "import hashlib\n"
            "def token_digest(api_token):\n"
            "    return hashlib.sha256(api_token.encode()).hexdigest()\n",
            path="app/tokens.py",
            note="near-miss: SHA-256 of a high-entropy token is fine",
        ),
        Example(
            'PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]\n',
            path="shop/settings/test.py",
            note="near-miss: fast hasher in test settings",
        ),
        Example(
            "PASSWORD_HASHERS = [\n"
            '    "django.contrib.auth.hashers.Argon2PasswordHasher",\n'
            '    "django.contrib.auth.hashers.MD5PasswordHasher",\n'
            "]\n",
            path="shop/settings.py",
            note="near-miss: legacy hasher kept only to verify old hashes",
        ),
        Example(
            "import hashlib\n"
            "def is_pwned(password, fetch_range):\n"
            "    digest = hashlib.sha1(password.encode()).hexdigest().upper()\n"
            "    return digest[5:] in fetch_range(digest[:5])\n",
            path="app/passwords.py",
            note="near-miss: a SHA-1 prefix lookup in a breach corpus (Pwned Passwords' range API), not a stored hash",
        ),
        Example(
            "import hashlib\n"
            "def seed_from_mnemonic(mnemonic, passphrase=''):\n"
            "    salt = ('mnemonic' + passphrase).encode()\n"
            '    return hashlib.pbkdf2_hmac("sha512", mnemonic.encode(), salt, 2048)\n',
            path="app/wallet.py",
            note="near-miss: PBKDF2 derives a key from a mnemonic (BIP39's 2,048 rounds), not a password hash",
        ),
        Example(
            "import hashlib\n"
            "class User:\n"
            "    def check_password(self, password):\n"
            '        digest = hashlib.sha3_512(password.encode("utf-8")).hexdigest()\n'
            "        if digest in self._checked:\n"
            "            return self._checked[digest]\n"
            "        ok = self.resolver.check(password)\n"
            "        self._checked[digest] = ok\n"
            "        return ok\n",
            path="app/users.py",
            note="near-miss: the digest is only an in-memory cache key for one request, never stored (privacyidea)",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        # Fast hashes of a password, reported at the end of the file unless their digest was
        # only cut into a prefix: (call, message, (scope id, name the digest was given)).
        self.pending: list[tuple[cst.Call, str, tuple[int, str] | None]] = []
        self.sliced: set[tuple[int, str]] = set()
        # (scope id, name) -> the function whose local the digest is.
        self.functions: dict[tuple[int, str], cst.CSTNode] = {}
        # (scope id, name) -> algorithm of a fast hash object made empty (`m = sha1()`), to be fed by `update`.
        self.hash_objects: dict[tuple[int, str], str] = {}

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.pending or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        scope = self.context.scopes.current
        name = (id(scope), node.targets[0].target.value)
        ids = _call_ids(node.value)
        if scope.kind == "function" and scope.node is not None and any(id(call) in ids for call, _, _ in self.pending):
            self.functions[name] = scope.node
        self.pending = [(call, what, name if id(call) in ids else where) for call, what, where in self.pending]

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if isinstance(node.value, cst.Name) and any(isinstance(e.slice, cst.Slice) for e in node.slice):
            self.sliced.add((id(self.context.scopes.current), node.value.value))

    def finish(self) -> None:
        for call, what, where in self.pending:
            if where is not None and where in self.sliced and what.startswith("`sha1`"):
                continue  # a k-anonymity prefix lookup (Pwned Passwords' range API)
            if where is not None and where in self.functions and _kept_in_memory(self.functions[where], where[1]):
                continue  # a cache key or a comparison: nothing is stored
            self.report(call, what=what)

    def _hash_object(self, node: cst.Assign) -> None:
        """Remember `m = hashlib.sha1()`: a fast hash object made empty, fed later by `update`."""
        value = node.value
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name) or not isinstance(value, cst.Call):
            return
        if not isinstance(value.func, (cst.Name, cst.Attribute)) or positional(value, 0) is not None:
            return
        qualified = self.context.resolve(value.func) or ""
        if qualified in FAST_HASHES and qualified != "hashlib.new":
            self.hash_objects[(id(self.context.scopes.current), node.targets[0].target.value)] = qualified.split(".")[-1]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "update" and isinstance(func.value, cst.Name):
            algorithm = self.hash_objects.get((id(self.context.scopes.current), func.value.value))
            data = positional(node, 0)
            if algorithm is not None and data is not None and _mentions_password(data.value):
                # `m = sha1(); m.update(password + salt)`: a fast hash of the password all the same.
                self.pending.append((node, f"`{algorithm}` of a password is a fast hash", None))
            return
        qualified = self.context.resolve(func) or ""
        if qualified in FAST_HASHES:
            data = positional(node, 1 if qualified == "hashlib.new" else 0)
            if data is not None and _mentions_password(data.value):
                algorithm = qualified.split(".")[-1]
                if algorithm == "new":
                    algorithm = string_value(positional(node, 0).value) or "new"
                self.pending.append((node, f"`{algorithm}` of a password is a fast hash", None))
        elif qualified == "hashlib.pbkdf2_hmac":
            iterations = keyword(node, "iterations") or positional(node, 3)
            value = _int(iterations.value) if iterations is not None else None
            secret = keyword(node, "password") or positional(node, 1)
            # PBKDF2 also derives keys from non-passwords (BIP39 seeds use 2,048 rounds by spec):
            # only a password's derivation is judged.
            if value is not None and value < MIN_PBKDF2_ITERATIONS and secret is not None and _mentions_password(secret.value):
                self.report(node, what=f"PBKDF2 with {value:,} iterations (use at least 600,000 for SHA-256)")
        elif qualified == "bcrypt.gensalt":
            rounds = keyword(node, "rounds") or positional(node, 0)
            value = _int(rounds.value) if rounds is not None else None
            if value is not None and value < MIN_BCRYPT_ROUNDS:
                self.report(node, what=f"bcrypt with {value} rounds (use at least 12)")
        elif qualified in ("passlib.context.CryptContext", "passlib.CryptContext"):
            schemes = keyword(node, "schemes")
            if schemes is not None and isinstance(schemes.value, (cst.List, cst.Tuple)) and schemes.value.elements:
                first = string_value(schemes.value.elements[0].value)
                if first in WEAK_SCHEMES:
                    self.report(node, what=f"passlib hashes new passwords with `{first}`")

    def visit_Assign(self, node: cst.Assign) -> None:
        self._hash_object(node)
        if is_dev_path(self.context.path) or self.context.scopes.current is not self.context.scopes.module:
            return
        if not any(isinstance(t.target, cst.Name) and t.target.value == "PASSWORD_HASHERS" for t in node.targets):
            return
        if isinstance(node.value, (cst.List, cst.Tuple)) and node.value.elements:
            first = string_value(node.value.elements[0].value)
            if first in WEAK_HASHERS:
                self.report(node, what=f"`PASSWORD_HASHERS` hashes new passwords with `{first.rsplit('.', 1)[-1]}`")


def _mentions_password(expr: cst.BaseExpression, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(expr, cst.Name):
        return is_password_name(expr.value)
    if isinstance(expr, cst.Attribute):
        return is_password_name(expr.attr.value)
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        key = string_value(expr.slice[0].slice.value)
        return bool(key and is_password_name(key))
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("encode", "strip", "lower"):
            return _mentions_password(func.value, depth + 1)
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and expr.args:
            key = string_value(expr.args[0].value)
            return bool(key and is_password_name(key))
        if isinstance(func, (cst.Name, cst.Attribute)) and len(expr.args) == 1 and _converts(func):
            return _mentions_password(expr.args[0].value, depth + 1)
        return False
    if isinstance(expr, cst.BinaryOperation):
        return _mentions_password(expr.left, depth + 1) or _mentions_password(expr.right, depth + 1)
    if isinstance(expr, cst.FormattedString):
        return any(
            isinstance(part, cst.FormattedStringExpression) and _mentions_password(part.expression, depth + 1)
            for part in expr.parts
        )
    return False


# Words of a helper that only changes a value's type or encoding (`bytes`, `str`,
# `force_bytes`, `unicode2bytes`, `to_text`): a hash of its result is a hash of the value.
CONVERSION_WORDS = frozenset({"bytes", "str", "unicode", "text", "utf8"})


def _converts(func: cst.Name | cst.Attribute) -> bool:
    name = func.value if isinstance(func, cst.Name) else func.attr.value
    return name in ("bytes", "str") or any(word in CONVERSION_WORDS for word in re.split(r"[_\d]+", name.lower()) if word)


# Calls whose first argument is only looked up: a dictionary's or set's own methods (a shared
# cache's `set` is a store, and is not here; `compare_digest` verifies against a stored hash).
LOOKUP_METHODS = frozenset({"get", "pop", "setdefault", "add", "discard", "remove", "__contains__"})


def _kept_in_memory(function: cst.CSTNode, name: str) -> bool:
    """Every use of the local `name` in `function`, besides assigning it, is a dictionary or
    set key (`seen[name]`, `seen.get(name)`, `seen.add(name)`, `name in seen`): the value is
    never stored, returned, handed to other code or compared with a stored one."""
    uses: list[bool] = []

    class Uses(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> bool:
            for target in node.targets:
                if not (isinstance(target.target, cst.Name) and target.target.value == name):
                    target.visit(self)
            node.value.visit(self)
            return False

        def visit_Subscript(self, node: cst.Subscript) -> bool:
            node.value.visit(self)
            for element in node.slice:
                if isinstance(element.slice, cst.Index) and _is(element.slice.value, name):
                    uses.append(True)
                else:
                    element.visit(self)
            return False

        def visit_Comparison(self, node: cst.Comparison) -> bool:
            # `name in seen` looks a key up; `name == stored` verifies against a stored hash.
            membership = all(isinstance(target.operator, (cst.In, cst.NotIn)) for target in node.comparisons)
            if membership and len(node.comparisons) == 1 and _is(node.left, name):
                uses.append(True)
                node.comparisons[0].comparator.visit(self)
                return False
            return True

        def visit_Call(self, node: cst.Call) -> bool:
            func = node.func
            method = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
            if method in LOOKUP_METHODS and node.args and _is(node.args[0].value, name):
                uses.append(True)
                func.visit(self)
                for arg in node.args[1:]:
                    arg.visit(self)
                return False
            return True

        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name:
                uses.append(False)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False  # `x.name` is an attribute, not the local

    body = function.body if isinstance(function, cst.FunctionDef) else function
    body.visit(Uses())
    return bool(uses) and all(uses)


def _is(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def _call_ids(expr: cst.BaseExpression) -> set[int]:
    found: set[int] = set()

    class Collector(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.add(id(node))

    expr.visit(Collector())
    return found


def _int(expr: cst.BaseExpression) -> int | None:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    return None
