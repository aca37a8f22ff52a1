"""Write plotly.js's built-in style rules to a CSS file, so the strict CSP can stay strict.

plotly.js normally injects these rules in a <style> element, which `style-src 'self'` blocks.
It skips that when a stylesheet with id "plotly.js-style-global" and class "no-inline-styles"
is already on the page (templates/results/team.html links the file this script writes).

    python tools/extract_plotly_css.py static/vendor/plotly-basic-4.1.1.min.js \
        static/vendor/plotly-basic-4.1.1.css
"""

import re
import sys


def extract(bundle: str) -> str:
    end = bundle.index(".addStyleRule(")
    start = bundle.rindex('"X input:focus', 0, end)
    block = bundle[start:end]
    block = block[: block.index("};")]
    rules = re.findall(r"""(["'])(.*?)\1:(["'])(.*?)\3""", block)
    lines = []
    for _q1, selector, _q2, body in rules:
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        lines.append(f"{selector} {{{body}}}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as handle:
        css = extract(handle.read())
    with open(target, "w", encoding="utf-8") as handle:
        handle.write("/* Extracted from plotly.js by tools/extract_plotly_css.py */\n" + css)
    print(f"{css.count(chr(10))} rules written to {target}")
