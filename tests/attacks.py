"""Conditions that run a command or reach Python objects under pandas' query/eval; each would touch ``marker``."""

from __future__ import annotations


def attacks(marker) -> list[str]:
    cmd = f"touch {marker}"
    return [
        f"@pd.io.common.os.system('{cmd}')",
        f"x > 0 and @pd.io.common.os.system('{cmd}') == 0",
        f"__import__('os').system('{cmd}')",
        f"x.__class__.__mro__[1].__subclasses__() == 0 or open('{marker}', 'w')",
        "x.notna()",
        f"(lambda: __import__('os').system('{cmd}'))() == 0",
        "f'{x}' == '1'",
        f"f'{{__import__(\"os\").system(\"{cmd}\")}}' == '0'",
        "s.str.len() > 0",
        "x @ x",
        f"s == 'a' \\\n or @pd.io.common.os.system('{cmd}')",
        "s == 'a\\' or @pd.io.common.os.system(\\'x\\') or \\'b'",
        "__builtins__ == 1",
        "`__import__` == 1 or exec('x')",
        "eval('1') == 1",
        "[c for c in x] == 1",
        "{x: 1} == 1",
        "x if x else x",
        "x := 1",
        "x[0] == 1",
        "s == b'F'",
        "s == r'F'",
        "getattr(s, 'upper') == 1",
        "x == 1; import os",
    ]
