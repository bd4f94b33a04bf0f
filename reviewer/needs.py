"""What a rule needs to find in a file before libcst is worth running on it, decided from the
file's CPython `ast` tree (the one tree the syntax gate parses; reviewer.analyse).

A rule declares `needs = Needs(...)`: facts of the file's code, at least one of which must be
present for the rule to run on the file (the fields are alternatives, not requirements). Needs
combine: `a | b` is met when either is, `a & b` only when both are (an import of `requests` and
a call named `get`). A rule that declares nothing (`needs = None`) runs on every file it
applies to. The facts are read from the syntax tree, never from the text: a word in a comment
or a docstring does not wake a rule up, and `for` in a string does not make a loop.

Facts of a file (FileFacts), all collected in one walk of the tree:
- imports: every dotted prefix of each absolutely imported path: `import a.b` gives `a` and
  `a.b`; `from a.b import c as d` gives `a`, `a.b` and `a.b.c`;
- names: every identifier of the code: names read or bound, attribute names, keyword-argument
  names, parameter, function and class names, the parts of imported paths and their aliases,
  string constants that are identifiers (`settings["SECRET_KEY"]`, `getattr(x, "save")`), and
  `True`, `False` and `None` (names in libcst's tree);
- calls: the last name of each called expression (`f(...)` -> `f`, `a.b.f(...)` -> `f`);
- arg_calls: the same, of the calls given at least one argument (`cur.execute(q)` gives
  `execute`, `conn.cursor()` gives nothing);
- keywords: the keyword-argument names of calls and class statements (`debug` of
  `Flask.run(debug=True)`);
- flags: the keyword arguments and assigned names given `True`, `False` or `None`, as
  `name=True` (`run(debug=True)`, `DEBUG = True`, `app.config["DEBUG"] = True`: an assignment
  target's name, attribute or string key);
- decorators, bases: the last name of each decorator (called or not) and of each class base;
- syntax: the `ast` node types present (`Try`, `IfExp`, `Await`, `DictComp`, ...), plus
  `StarStar` for `**` unpacking (`f(**kw)`, `{**d}`, `def f(**kw)`), with two shorthands: `loops` (for, async for, while, comprehensions) and `async_code` (async def,
  await, async for, async with);
- strings: the text of the string constants, for `string_parts`.

`name_parts` and `string_parts` match pieces of names and of string constants (`"jwt"` matches
`pyjwt`, `JWT_SECRET` does not: matching is case-sensitive), `name_parts_nocase` pieces of
names in any case (given in lower case: `"logger"` matches `LOGGER` and `audit_logger`); every
other field matches whole names.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import partial, reduce
from itertools import combinations
from typing import Any, Callable

from reviewer.names import absolute_module, module_name_for

from reviewer import astfacts

LOOP_NODES = frozenset({"For", "AsyncFor", "While", "comprehension"})
ASYNC_NODES = frozenset({"AsyncFunctionDef", "Await", "AsyncFor", "AsyncWith"})


@dataclass(frozen=True)
class Needs:
    """Facts of a file's code of which at least one must be present for a rule to run on it
    (see the module's docstring for what each field matches)."""

    imports: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    name_parts: tuple[str, ...] = ()
    name_parts_nocase: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    arg_calls: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    syntax: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()
    string_parts: tuple[str, ...] = ()
    loops: bool = False
    async_code: bool = False
    # Combinations (`|` and `&` build them): met when one of `either` is, and all of `every`.
    either: tuple["Needs", ...] = ()
    every: tuple["Needs", ...] = ()
    # A test of the facts for what the fields cannot say (the words of the file's names, a
    # look at its `ast` tree, FileFacts.tree), which must hold too. It runs last: only on
    # files whose other facts meet the needs.
    test: Callable[["FileFacts"], bool] | None = None
    # A fact of the whole project, not of the file (`Needs.of_project`): a test of the merged
    # project index, a module-level function (it travels between processes by name).
    project: Callable[[Any], bool] | None = None

    @classmethod
    def words(cls, *words: str) -> "Needs":
        """Each word as part of a name or of a string constant of the code: the needs of a
        rule that read a word anywhere in the text before (its old `triggers`), less comments."""
        return cls(name_parts=words, string_parts=words)

    @classmethod
    def naming(cls, judge: Callable[[str], bool]) -> "Needs":
        """A name or a string constant of the code that `judge` accepts: a word test the fields
        cannot say (`Needs.naming(is_password_name)`)."""
        return cls(test=partial(_names_any, judge))

    @classmethod
    def of_project(cls, condition: Callable[[Any], bool]) -> "Needs":
        """Met in a project whose index `condition` accepts (a setting of the project's, such as
        Django's `ATOMIC_REQUESTS`). The `ast` stage, which runs before the project's index is
        merged, cannot tell: a file whose other facts meet the needs only with such a condition
        goes to the check, which asks the condition (`residue`)."""
        return cls(project=condition)

    @classmethod
    def all_of(cls, *needs: "Needs") -> "Needs":
        """Met when every one of `needs` is, as `a & b & ...`."""
        every: list[Needs] = []
        for need in needs:
            every.extend(need.every if need == Needs(every=need.every) else (need,))
        return cls(every=tuple(every))

    def __or__(self, other: "Needs") -> "Needs":
        """Either one's facts: a rule that reads what another one reads plus some of its own."""
        if self.every or other.every or self.test or other.test or self.project or other.project:
            either: list[Needs] = []
            for need in (self, other):
                either.extend(need.either if need == Needs(either=need.either) else (need,))
            return Needs(either=tuple(either))
        return Needs(
            *(tuple(dict.fromkeys(getattr(self, name) + getattr(other, name))) for name in _TUPLES),
            loops=self.loops or other.loops,
            async_code=self.async_code or other.async_code,
            either=self.either + other.either,
        )

    def __and__(self, other: "Needs") -> "Needs":
        """Both one's and the other's facts: an import of a module and a call of its function."""
        return Needs.all_of(self, other)

    def met_by(self, facts: "FileFacts", holds: "frozenset[Callable[[Any], bool]] | None" = None) -> bool:
        """Whether the file's facts meet the needs; a project condition (`of_project`) counts
        as met when it is in `holds`, or, without `holds`, always (in some project)."""
        for need in self.every:
            if not need.met_by(facts, holds):
                return False
        if self.project is not None:
            if holds is not None and self.project not in holds:
                return False
        elif self._alternatives:
            if not self._any_met(facts):
                for need in self.either:
                    if need.met_by(facts, holds):
                        break
                else:
                    return False
        elif not self.every and self.test is None:
            return False  # Needs(): nothing can meet it
        return self.test is None or self.test(facts)

    @property
    def _alternatives(self) -> bool:
        """The needs have fields or combinations of alternatives (not only `every` or `test`)."""
        found = self.__dict__.get("_has_alternatives")
        if found is None:
            found = bool(self.either or self.loops or self.async_code or any(getattr(self, name) for name in _TUPLES))
            object.__setattr__(self, "_has_alternatives", found)
        return found

    @property
    def conditions(self) -> frozenset[Callable[[Any], bool]]:
        """The project conditions (`of_project`) the needs hold anywhere."""
        found = self.__dict__.get("_conditions")
        if found is None:
            found = frozenset({self.project} if self.project is not None else ()).union(
                *(need.conditions for need in (*self.either, *self.every))
            )
            object.__setattr__(self, "_conditions", found)
        return found

    def residue(self, facts: "FileFacts") -> "tuple[frozenset[Callable[[Any], bool]], ...] | None":
        """What the project must be for the file to meet the needs: None when the file's facts
        alone meet them whatever the project; else the smallest sets of project conditions
        (`of_project`) one of which, all holding, makes them met; () when none does."""
        conditions = self.conditions
        if self.met_by(facts, frozenset()):
            return None
        if not conditions or not self.met_by(facts):
            return ()
        found: list[frozenset[Callable[[Any], bool]]] = []
        for size in range(1, len(conditions) + 1):
            for chosen in combinations(sorted(conditions, key=_name_of), size):
                holding = frozenset(chosen)
                if not any(smaller <= holding for smaller in found) and self.met_by(facts, holding):
                    found.append(holding)
        return tuple(found)

    def _any_met(self, facts: "FileFacts") -> bool:
        """One of the facts of the fields (not the combinations) is in the file."""
        if self.loops and facts.syntax & LOOP_NODES:
            return True
        if self.async_code and facts.syntax & ASYNC_NODES:
            return True
        if (
            facts.imports.isdisjoint(self.imports)
            and facts.names.isdisjoint(self.names)
            and facts.calls.isdisjoint(self.calls)
            and facts.arg_calls.isdisjoint(self.arg_calls)
            and facts.keywords.isdisjoint(self.keywords)
            and facts.flags.isdisjoint(self.flags)
            and facts.decorators.isdisjoint(self.decorators)
            and facts.bases.isdisjoint(self.bases)
            and facts.syntax.isdisjoint(self.syntax)
            and facts.strings.isdisjoint(self.strings)
        ):
            if self.name_parts_nocase:
                lowered = facts.joined_lower()
                if any(part in lowered for part in self.name_parts_nocase):
                    return True
            if not self.name_parts and not self.string_parts:
                return False
            names, strings = facts.joined()
            return any(part in names for part in self.name_parts) or any(part in strings for part in self.string_parts)
        return True


def _name_of(function: Callable[..., Any]) -> str:
    return f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', repr(function))}"


def _names_any(judge: Callable[[str], bool], facts: "FileFacts") -> bool:
    return any(map(judge, facts.names)) or any(map(judge, facts.strings))


class KeptNeeds:
    """A rule class's needs held as the JSON they were kept as (the rule catalogue's, bandit's
    test list) and decoded when first read, on the class (`rule.needs`): a scan whose files'
    results come from the cache reads none, and decoding every rule's needs (a few hundred
    Needs) was a tenth of a warm scan. JSON that `decode` cannot read gives `fallback(owner)`,
    an answer that is right without it (a rule's own needs, or None: run on every file). Two
    threads reading at once both decode, to equal values."""

    def __init__(self, data: Any, decode: Callable[[Any], Any], fallback: Callable[[type], Any]) -> None:
        self._data = data
        self._decode = decode
        self._fallback = fallback
        self._value: Any = None
        self._read = False

    def __get__(self, instance: Any, owner: type) -> Any:
        if not self._read:
            try:
                self._value = self._decode(self._data)
            except (ValueError, TypeError, KeyError, AttributeError, ImportError):
                self._value = self._fallback(owner)
            self._read, self._data = True, None
        return self._value


_TUPLES = (
    "imports", "names", "name_parts", "name_parts_nocase", "calls", "arg_calls", "keywords", "flags", "decorators", "bases", "syntax",
    "strings", "string_parts",
)


@dataclass(frozen=True)
class FileFacts:
    """What a file's code contains, in the terms of Needs."""

    imports: frozenset[str]
    names: frozenset[str]
    calls: frozenset[str]
    decorators: frozenset[str]
    bases: frozenset[str]
    syntax: frozenset[str]
    strings: frozenset[str]
    arg_calls: frozenset[str] = frozenset()
    keywords: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    # The tree the facts were read from, for a need's `test`.
    tree: ast.AST | None = field(default=None, compare=False, repr=False)

    def joined(self) -> tuple[str, str]:
        """The names and the strings, each joined into one text (one substring search for a
        part, with a separator no name or part contains)."""
        cached = self.__dict__.get("_joined")
        if cached is None:
            cached = ("\0".join(self.names), "\0".join(self.strings))
            object.__setattr__(self, "_joined", cached)
        return cached

    def joined_lower(self) -> str:
        """The names joined as by `joined`, in lower case."""
        cached = self.__dict__.get("_lower")
        if cached is None:
            cached = self.joined()[0].lower()
            object.__setattr__(self, "_lower", cached)
        return cached


def _leaf(node: ast.AST) -> str | None:
    """The last name of `a.b.c`, `f(...)` or `Base[T]`."""
    while isinstance(node, (ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _flag(value: ast.AST | None) -> str:
    """`=True`, `=False` or `=None` for such a literal, else ""."""
    if type(value) is ast.Constant and (value.value is True or value.value is False or value.value is None):  # type: ignore[attr-defined]
        return f"={value.value}"  # type: ignore[attr-defined]
    return ""


def _target_name(target: ast.AST) -> str | None:
    """The name an assignment target gives: `X`, `obj.X`, `d["X"]`."""
    if type(target) is ast.Name:
        return target.id  # type: ignore[attr-defined]
    if type(target) is ast.Attribute:
        return target.attr  # type: ignore[attr-defined]
    if type(target) is ast.Subscript:
        key = target.slice  # type: ignore[attr-defined]
        if type(key) is ast.Constant and isinstance(key.value, str):  # type: ignore[attr-defined]
            return key.value  # type: ignore[attr-defined]
    return None


def _prefixes(path: str, into: set[str]) -> None:
    parts = path.split(".")
    for end in range(1, len(parts) + 1):
        into.add(".".join(parts[:end]))


def file_facts(tree: ast.AST, path: str = "") -> FileFacts:
    """The facts of a file's tree, read from its nodes grouped by type (astfacts.walk and
    astfacts.kinds, which the index providers have mostly built for the same tree already).
    With the file's `path`, relative imports count as the absolute ones they resolve to (as
    the rules' reviewer.names.ImportMap resolves them)."""
    nodes = astfacts.walk(tree)
    kinds = astfacts.kinds(tree)

    def of(kind: type) -> list:
        return [nodes[position] for position in kinds.get(kind, ())]

    syntax = {kind.__name__ for kind in kinds}
    # The expression contexts (`Load()`, `Store()`, `Del()`), which walk() leaves out.
    contexts: set[type] = set()
    for kind in astfacts.WITH_CONTEXT & kinds.keys():
        contexts.update(type(node.ctx) for node in of(kind))
    syntax.update(context.__name__ for context in contexts)
    names = {node.id for node in of(ast.Name)}
    names.update(node.attr for node in of(ast.Attribute))
    strings: set[str] = set()
    for node in of(ast.Constant):
        value = node.value
        if isinstance(value, str):
            strings.add(value)
        elif value is True or value is False or value is None:
            names.add(repr(value))
    names.update(value for value in strings if value.isidentifier())
    calls: set[str] = set()
    arg_calls: set[str] = set()
    for node in of(ast.Call):
        leaf = _leaf(node.func)
        if leaf is not None:
            calls.add(leaf)
            if node.args or node.keywords:
                arg_calls.add(leaf)
    keywords: set[str] = set()
    flags: set[str] = set()
    for node in of(ast.keyword):
        name = node.arg
        if name:
            names.add(name)
            keywords.add(name)
            flag = _flag(node.value)
            if flag:
                flags.add(name + flag)
        else:
            syntax.add("StarStar")
    names.update(node.arg for node in of(ast.arg))
    if "StarStar" not in syntax and (
        any(None in node.keys for node in of(ast.Dict)) or any(node.kwarg is not None for node in of(ast.arguments))
    ):
        syntax.add("StarStar")
    decorators: set[str] = set()
    bases: set[str] = set()
    for kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        for node in of(kind):
            names.add(node.name)
            for decorator in node.decorator_list:
                leaf = _leaf(decorator)
                if leaf is not None:
                    decorators.add(leaf)
            if kind is ast.ClassDef:
                for base in node.bases:
                    leaf = _leaf(base)
                    if leaf is not None:
                        bases.add(leaf)
    imports: set[str] = set()
    for node in of(ast.Import):
        for alias in node.names:
            _prefixes(alias.name, imports)
            names.update(alias.name.split("."))
            if alias.asname:
                names.add(alias.asname)
    from_imports = of(ast.ImportFrom)
    if from_imports:
        module = module_name_for(path) if path else ""
        is_package = path.endswith("__init__.py")
        for node in from_imports:
            base = node.module or ""
            if base:
                names.update(base.split("."))
            if node.level:
                # The root a relative import resolves to is named too (needs.qualified).
                base = absolute_module(module, is_package, node.level, base) if module else ""
                if base:
                    names.add(base.split(".")[0])
            if base:
                _prefixes(base, imports)
            for alias in node.names:
                names.add(alias.name)
                if alias.asname:
                    names.add(alias.asname)
                if base and alias.name != "*":
                    imports.add(f"{base}.{alias.name}")
    for node in of(ast.Assign):
        flag = _flag(node.value)
        if flag:
            for target in node.targets:
                name = _target_name(target)
                if name:
                    flags.add(name + flag)
    for node in of(ast.AnnAssign):
        flag = _flag(node.value)
        name = _target_name(node.target) if flag else None
        if name:
            flags.add(name + flag)
    if any(node.is_async for node in of(ast.comprehension)):
        syntax.add("AsyncFor")
    return FileFacts(
        frozenset(imports), frozenset(names), frozenset(calls), frozenset(decorators), frozenset(bases), frozenset(syntax),
        frozenset(strings), frozenset(arg_calls), frozenset(keywords), frozenset(flags), tree,
    )


def tree_depth(tree: ast.AST) -> int:
    """The depth of the tree's deepest node (the module is 1), in one iterative pass (the tree
    may be deep): what bounds libcst (reviewer.bounds.MAX_DEPTH)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    children = astfacts.children
    with_context = astfacts.WITH_CONTEXT
    while stack:
        node, depth = stack.pop()
        # An expression's `ctx`, which children() leaves out, is a leaf one level deeper.
        bottom = depth + 1 if type(node) in with_context else depth
        if bottom > deepest:
            deepest = bottom
        for child in children(node):
            stack.append((child, depth + 1))
    return deepest


def qualified(*names: str) -> Needs:
    """Code that can name one of these qualified names through any import or alias
    (`requests.get`: `import requests as r` then `r.get(...)`, `from requests import get as
    fetch` then `fetch(...)`, or `requests.get` unimported, which resolves to itself): such code
    holds both the first and the last name of the path, in its imports or its expressions.
    The same needs whatever the order of `names` (a frozenset's: the rule catalogue is the
    same text in every process)."""
    alternatives = []
    for name in sorted(set(names)):
        first, _, last = name.rpartition(".")
        root = first.split(".")[0] if first else last
        alternatives.append(Needs(names=(last,)) if root == last else Needs(names=(root,)) & Needs(names=(last,)))
    return reduce(Needs.__or__, alternatives)


def names_for(facts: FileFacts, lasts: frozenset[str]) -> frozenset[str]:
    """The names under which the file's code can write something whose last name is one of
    `lasts`: each of `lasts` (`f`, `a.b.f`) and each alias an import of the file binds to one
    (`from m import f as g`, `import a.f as g`). Without the tree, every name of the file."""
    if facts.tree is None:
        return facts.names
    found = set(lasts)
    for node in astfacts.nodes_of(facts.tree, ast.Import, ast.ImportFrom):  # type: ignore[arg-type]
        for alias in node.names:  # type: ignore[attr-defined]
            if alias.asname and alias.name.rpartition(".")[2] in lasts:
                found.add(alias.asname)
    return frozenset(found)


def _calls_under_alias(lasts: frozenset[str], facts: FileFacts) -> bool:
    return not facts.calls.isdisjoint(names_for(facts, lasts) - lasts)


def called(*lasts: str) -> Needs:
    """A call of a name whose last part is one of `lasts`, however the file writes it: `f(...)`,
    `a.b.f(...)`, or `g(...)` where an import binds `g` to `...f` (`from m import f as g`), as
    reviewer.names.ImportMap resolves a call through the file's imports."""
    return Needs(calls=lasts) | Needs(test=partial(_calls_under_alias, frozenset(lasts)))


def qualified_call(*names: str) -> Needs:
    """Code that can call one of these qualified names through any import or alias: the first
    name of the path among the file's names (as `qualified`) and a call of the last one
    (`called`), whatever the order of `names` (as `qualified`)."""
    lasts_by_root: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        first, _, last = name.rpartition(".")
        lasts_by_root.setdefault(first.split(".")[0] if first else "", []).append(last)
    alternatives = [
        called(*dict.fromkeys(lasts)) if not root else Needs(names=(root,)) & called(*dict.fromkeys(lasts))
        for root, lasts in lasts_by_root.items()
    ]
    return reduce(Needs.__or__, alternatives)


def from_triggers(triggers: tuple[str, ...]) -> Needs | None:
    """The needs of a pack rule written before needs existed, from its `triggers` (pieces of
    the file's text, one of which had to occur): a trigger is read as the word it holds
    (`".filter("` as `filter`, in a name or a string constant, Needs.words). A trigger that
    holds no word, or a Python keyword (`"for "`), says nothing the tree can check: the rule
    then runs on every file, as one that declares nothing."""
    import keyword

    words = tuple(trigger.strip(" .,:;()[]{}'\"=") for trigger in triggers)
    if not words or any(not word.isidentifier() or keyword.iskeyword(word) for word in words):
        return None
    return Needs.words(*dict.fromkeys(words))
