"""reviewer.entrypoints: the one definition of how a module is started (a `__main__` program,
a Django management command), over `ast` and libcst trees alike."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from reviewer.entrypoints import is_command_line_program, is_main_guard, is_management_command, runs_as_program

GUARDS = [
    ('if __name__ == "__main__":\n    main()\n', True),
    ("if __name__ == '__main__':\n    main()\n", True),
    ('if "__main__" == __name__:\n    main()\n', True),  # either side of the `==`
    ('if __name__ != "__main__":\n    setup()\n', False),  # imported, not run
    ('if __name__ == "__main__" or DEBUG:\n    main()\n', False),  # not the plain guard
    ('if __name__ == "app.main":\n    main()\n', False),
    ('if name == "__main__":\n    main()\n', False),
    ("if __name__ == __main__:\n    main()\n", False),  # a name, not the string
    ('if __name__ < "__main__" < x:\n    main()\n', False),
    ('while __name__ == "__main__":\n    main()\n', False),
]


@pytest.mark.parametrize(("code", "expected"), GUARDS)
def test_main_guard_is_the_same_over_ast_and_libcst(code: str, expected: bool) -> None:
    assert is_main_guard(ast.parse(code).body[0]) is expected
    assert is_main_guard(cst.parse_module(code).body[0]) is expected


def test_a_program_has_the_guard_at_its_top_level() -> None:
    program = 'import sys\n\ndef main():\n    pass\n\nif __name__ == "__main__":\n    main()\n'
    nested = 'def main():\n    if __name__ == "__main__":\n        pass\n'
    assert runs_as_program(ast.parse(program)) and runs_as_program(cst.parse_module(program))
    assert not runs_as_program(ast.parse(nested)) and not runs_as_program(cst.parse_module(nested))


def test_management_commands_and_programs_are_command_line_programs() -> None:
    library = cst.parse_module("def handle():\n    pass\n")
    assert is_management_command("shop/management/commands/backfill.py")
    assert is_management_command("management/commands/backfill.py")
    assert not is_management_command("shop/management/views.py") and not is_management_command("shop/commands/run.py")
    assert is_command_line_program("shop/management/commands/backfill.py", library)
    assert is_command_line_program("tools_x.py", cst.parse_module('if __name__ == "__main__":\n    pass\n'))
    assert not is_command_line_program("shop/views.py", library)
