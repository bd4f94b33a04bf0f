"""What a rule needs to find in a file before libcst is worth running on it, decided from the
file's CPython `ast` tree (the one tree the syntax gate parses; reviewer.analyse).

A rule declares `needs = Needs(...)`: facts of the file's code, at least one of which must be
present for the rule to run on the file (the fields are alternatives, not requirements). A rule
that declares nothing (`needs = None`) runs on every file it applies to. The facts are read
from the syntax tree, never from the text: a word in a comment or a docstring does not wake a
rule up, and `for` in a string does not make a loop.

Facts of a file (FileFacts), all collected in one walk of the tree:
- imports: every dotted prefix of each absolutely imported path: `import a.b` gives `a` and
  `a.b`; `from a.b import c as d` gives `a`, `a.b` and `a.b.c`;
- names: every identifier of the code: names read or bound, attribute names, keyword-argument
  names, parameter, function and class names, the parts of imported paths and their aliases,
  and string constants that are identifiers (`settings["SECRET_KEY"]`, `getattr(x, "save")`);
- calls: the last name of each called expression (`f(...)` -> `f`, `a.b.f(...)` -> `f`);
- decorators, bases: the last name of each decorator (called or not) and of each class base;
- syntax: the `ast` node types present (`Try`, `IfExp`, `Await`, `DictComp`, ...), plus
  `StarStar` for `**` unpacking (`f(**kw)`, `{**d}`, `def f(**kw)`), with two shorthands: `loops` (for, async for, while, comprehensions) and `async_code` (async def,
  await, async for, async with);
- strings: the text of the string constants, for `string_parts`.

`name_parts` and `string_parts` match pieces of names and of string constants (`"jwt"` matches
`pyjwt`, `JWT_SECRET` does not: matching is case-sensitive); every other field matches whole
names.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

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
    calls: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    syntax: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()
    string_parts: tuple[str, ...] = ()
    loops: bool = False
    async_code: bool = False

    @classmethod
    def words(cls, *words: str) -> "Needs":
        """Each word as part of a name or of a string constant of the code: the needs of a
        rule that read a word anywhere in the text before (its old `triggers`), less comments."""
        return cls(name_parts=words, string_parts=words)

    def __or__(self, other: "Needs") -> "Needs":
        """Either one's facts: a rule that reads what another one reads plus some of its own."""
        return Needs(
            *(tuple(dict.fromkeys(getattr(self, name) + getattr(other, name))) for name in _TUPLES),
            loops=self.loops or other.loops,
            async_code=self.async_code or other.async_code,
        )

    def met_by(self, facts: "FileFacts") -> bool:
        if self.loops and facts.syntax & LOOP_NODES:
            return True
        if self.async_code and facts.syntax & ASYNC_NODES:
            return True
        if (
            facts.imports.isdisjoint(self.imports)
            and facts.names.isdisjoint(self.names)
            and facts.calls.isdisjoint(self.calls)
            and facts.decorators.isdisjoint(self.decorators)
            and facts.bases.isdisjoint(self.bases)
            and facts.syntax.isdisjoint(self.syntax)
            and facts.strings.isdisjoint(self.strings)
        ):
            names, strings = facts.joined()
            return any(part in names for part in self.name_parts) or any(part in strings for part in self.string_parts)
        return True


_TUPLES = ("imports", "names", "name_parts", "calls", "decorators", "bases", "syntax", "strings", "string_parts")


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

    def joined(self) -> tuple[str, str]:
        """The names and the strings, each joined into one text (one substring search for a
        part, with a separator no name or part contains)."""
        cached = self.__dict__.get("_joined")
        if cached is None:
            cached = ("\0".join(self.names), "\0".join(self.strings))
            object.__setattr__(self, "_joined", cached)
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


def _prefixes(path: str, into: set[str]) -> None:
    parts = path.split(".")
    for end in range(1, len(parts) + 1):
        into.add(".".join(parts[:end]))


def file_facts(tree: ast.AST) -> tuple[FileFacts, int]:
    """The facts of a file's tree and the depth of its deepest node, in one iterative pass (the
    tree may be deep)."""
    imports: set[str] = set()
    names: set[str] = set()
    calls: set[str] = set()
    decorators: set[str] = set()
    bases: set[str] = set()
    syntax: set[str] = set()
    strings: set[str] = set()
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    children = astfacts.children
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        kind = type(node)
        syntax.add(kind.__name__)
        if kind is ast.Name:
            names.add(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            names.add(node.attr)  # type: ignore[attr-defined]
        elif kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, str):
                strings.add(value)
                if value.isidentifier():
                    names.add(value)
        elif kind is ast.Call:
            leaf = _leaf(node.func)  # type: ignore[attr-defined]
            if leaf is not None:
                calls.add(leaf)
        elif kind is ast.keyword or kind is ast.arg:
            name = node.arg  # type: ignore[attr-defined]
            if name:
                names.add(name)
            elif kind is ast.keyword:
                syntax.add("StarStar")
        elif kind is ast.Dict:
            if None in node.keys:  # type: ignore[attr-defined]
                syntax.add("StarStar")
        elif kind is ast.arguments:
            if node.kwarg is not None:  # type: ignore[attr-defined]
                syntax.add("StarStar")
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.add(node.name)  # type: ignore[attr-defined]
            for decorator in node.decorator_list:  # type: ignore[attr-defined]
                leaf = _leaf(decorator)
                if leaf is not None:
                    decorators.add(leaf)
            if kind is ast.ClassDef:
                for base in node.bases:  # type: ignore[attr-defined]
                    leaf = _leaf(base)
                    if leaf is not None:
                        bases.add(leaf)
        elif kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                _prefixes(alias.name, imports)
                names.update(alias.name.split("."))
                if alias.asname:
                    names.add(alias.asname)
        elif kind is ast.ImportFrom:
            module = node.module or ""  # type: ignore[attr-defined]
            if module:
                names.update(module.split("."))
                if not node.level:  # type: ignore[attr-defined]
                    _prefixes(module, imports)
            for alias in node.names:  # type: ignore[attr-defined]
                names.add(alias.name)
                if alias.asname:
                    names.add(alias.asname)
                if module and not node.level and alias.name != "*":  # type: ignore[attr-defined]
                    imports.add(f"{module}.{alias.name}")
        elif kind is ast.comprehension and node.is_async:  # type: ignore[attr-defined]
            syntax.add("AsyncFor")
        for child in children(node):
            stack.append((child, depth + 1))
    facts = FileFacts(
        frozenset(imports), frozenset(names), frozenset(calls), frozenset(decorators), frozenset(bases), frozenset(syntax), frozenset(strings)
    )
    return facts, deepest


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
