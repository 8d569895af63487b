"""Print the fenced code block that follows `<!-- tested by scripts/NAME -->`
in README.md, so that the packaging tests run the README's own snippets.

    python3 scripts/readme_snippet.py test-action.sh
"""

import pathlib
import sys


def snippet(readme: str, script: str) -> str:
    marker = f"<!-- tested by scripts/{script} -->"
    lines = readme.splitlines()
    try:
        at = lines.index(marker)
    except ValueError:
        sys.exit(f"README.md has no `{marker}`")
    rest = lines[at + 1 :]
    if not rest or not rest[0].startswith("```"):
        sys.exit(f"`{marker}` is not followed by a fenced code block")
    end = rest.index("```", 1)
    return "\n".join(rest[1:end]) + "\n"


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parent.parent
    sys.stdout.write(snippet((root / "README.md").read_text(), sys.argv[1]))
