"""A small document model rendered twice: Markdown (``report.md``) and one self-contained HTML
file (``report.html``, figures embedded as base64 PNG, no external resources).

Blocks are tuples:
``("h1"|"h2"|"h3", text)``, ``("p", text)``, ``("notice", kind, text)`` with kind ``synthetic``,
``fail`` or ``warn``, ``("list", [items])``, ``("table", headers, rows)``,
``("figure", path, caption)``, ``("details", summary, [blocks])`` (folded in HTML: one click
away, not in the page's length) and ``("toc",)`` (the contents: a link to every h2 and h3 that
follows). Both renderers walk the same list, so the two files say the same.

Every heading gets a unique anchor: its text, prefixed by the enclosing h2's (so the Methods
of two analyses are ``blocked-regressions--methods`` and ``correlations--methods``).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1060px;
margin:0 auto;padding:1.2em;color:#1d1d1f;line-height:1.45;font-size:15px}
h1{font-size:1.5em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:2px solid #ddd;
padding-bottom:.2em}h3{margin-top:1.3em}
.scroll{overflow-x:auto;margin:.5em 0 1.1em}
table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.num{text-align:right;white-space:nowrap}
tr.fail td{background:#fde8e8}
.notice{padding:.6em 1em;border-radius:6px;margin:.8em 0;font-weight:500}
.synthetic{background:#fff3cd;border:1px solid #e0c36b}.fail{background:#fde8e8;
border:1px solid #e08a8a}.warn{background:#f6f6f8;border:1px solid #ddd;font-weight:400}
figure{margin:.8em 0 1.4em}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:12.5px;color:#555;margin-top:.3em}code{font-size:12px}
details{margin:.5em 0 1em;border:1px solid #e3e3e3;border-radius:6px;padding:.3em .8em}
summary{cursor:pointer;font-weight:500;color:#234}
nav.toc{font-size:14px;columns:2;column-gap:2em;margin:.5em 0 1em}
nav.toc ul{margin:0;padding-left:1.1em}nav.toc>ul>li{break-inside:avoid;margin-bottom:.3em}
@media (max-width:850px){nav.toc{columns:1}body{padding:.8em}table{font-size:11.5px}
th,td{padding:3px 4px}}
"""


#: The heading of each kind of notice, in both renderings.
NOTICE_LABELS = {
    "synthetic": "SYNTHETIC DATA",
    "fail": "DIAGNOSTICS FAILED",
    "warn": "DIAGNOSTICS WARNINGS",
}


def table_row(cells: list, status: str | None = None) -> dict:
    """One row of a ``("table", headers, rows)`` block; ``status`` "fail"/"warn" shades it."""
    return {"cells": [str(c) for c in cells], "status": status}


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "section"


def assign_anchors(blocks: list[tuple]) -> dict[int, str]:
    """A unique anchor for every heading (by its index in ``blocks``, nested blocks included
    in walk order): h3 anchors carry their h2's, and a repeat gets -2, -3, ..."""
    anchors: dict[int, str] = {}
    used: set[str] = set()
    h2 = ""
    for index, block in enumerate(_walk(blocks)):
        kind = block[0]
        if kind not in ("h1", "h2", "h3"):
            continue
        base = _slug(block[1])
        if kind == "h2":
            h2 = base
        elif kind == "h3" and h2:
            base = f"{h2}--{base}"
        anchor, k = base, 2
        while anchor in used:
            anchor, k = f"{base}-{k}", k + 1
        used.add(anchor)
        anchors[index] = anchor
    return anchors


def _walk(blocks: list[tuple]):
    """Every block in document order, the blocks inside ``details`` included."""
    for block in blocks:
        yield block
        if block[0] == "details":
            yield from _walk(block[2])


def _toc_entries(blocks: list[tuple], anchors: dict[int, str]) -> list[tuple[int, str, str]]:
    """(level, text, anchor) of every h2 and h3 after the ``toc`` block."""
    entries, after = [], False
    for index, block in enumerate(_walk(blocks)):
        if block[0] == "toc":
            after = True
        elif after and block[0] in ("h2", "h3"):
            entries.append((int(block[0][1]), block[1], anchors[index]))
    return entries


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[tuple], base: Path) -> str:
    """Markdown with figures linked relative to ``base`` (the report's folder)."""
    anchors = assign_anchors(blocks)
    toc = _toc_entries(blocks, anchors)
    out: list[str] = []
    counter = iter(range(10**9))

    def emit(items: list[tuple]) -> None:
        for block in items:
            index = next(counter)
            kind = block[0]
            if kind in ("h1", "h2", "h3"):
                out.append(f'<a id="{anchors[index]}"></a>\n\n{"#" * int(kind[1])} {block[1]}\n')
            elif kind == "p":
                out.append(f"{block[1]}\n")
            elif kind == "notice":
                out.append(f"> **{NOTICE_LABELS[block[1]]}**: {block[2]}\n")
            elif kind == "list":
                out.append("\n".join(f"- {item}" for item in block[1]) + "\n")
            elif kind == "table":
                headers, rows = block[1], block[2]
                lines = [
                    "| " + " | ".join(_md_escape(h) for h in headers) + " |",
                    "|" + "---|" * len(headers),
                ]
                lines += [
                    "| " + " | ".join(_md_escape(c) for c in row["cells"]) + " |" for row in rows
                ]
                out.append("\n".join(lines) + "\n")
            elif kind == "figure":
                rel = Path(block[1]).relative_to(base).as_posix()
                out.append(f"![{_md_escape(block[2])}]({rel})\n\n*{block[2]}*\n")
            elif kind == "details":
                out.append(f"**{block[1]}**\n")
                emit(block[2])
            elif kind == "toc":
                out.append(
                    "\n".join(
                        ("  " if level == 3 else "") + f"- [{text}](#{anchor})"
                        for level, text, anchor in toc
                    )
                    + "\n"
                )
            else:
                raise ValueError(f"unknown report block {kind!r}")

    emit(blocks)
    return "\n".join(out)


def _is_number(text: str) -> bool:
    """A cell that is a number, an interval or a bound such as "< .001" (kept on one line)."""
    stripped = (
        str(text)
        .replace("−", "-")
        .replace("[", "")
        .replace("]", "")
        .replace(",", "")
        .removeprefix("< ")
        .removeprefix("> ")
    )
    try:
        float(stripped.split()[0])
    except (ValueError, IndexError):
        return False
    return True


def to_html(blocks: list[tuple], title: str) -> str:
    """One self-contained HTML page (figures inlined as data URIs)."""
    esc = html.escape
    anchors = assign_anchors(blocks)
    toc = _toc_entries(blocks, anchors)
    counter = iter(range(10**9))

    def render(items: list[tuple]) -> list[str]:
        body: list[str] = []
        for block in items:
            index = next(counter)
            kind = block[0]
            if kind in ("h1", "h2", "h3"):
                body.append(f'<{kind} id="{esc(anchors[index])}">{esc(block[1])}</{kind}>')
            elif kind == "p":
                body.append(f"<p>{esc(block[1])}</p>")
            elif kind == "notice":
                label = NOTICE_LABELS[block[1]]
                body.append(
                    f'<div class="notice {block[1]}"><strong>{label}</strong>: '
                    f"{esc(block[2])}</div>"
                )
            elif kind == "list":
                items_ = "".join(f"<li>{esc(item)}</li>" for item in block[1])
                body.append(f"<ul>{items_}</ul>")
            elif kind == "table":
                body.append(_table_html(block[1], block[2]))
            elif kind == "figure":
                data = base64.b64encode(Path(block[1]).read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img alt="{esc(block[2])}" '
                    f'src="data:image/png;base64,{data}">'
                    f"<figcaption>{esc(block[2])}</figcaption></figure>"
                )
            elif kind == "details":
                inner = "\n".join(render(block[2]))
                body.append(f"<details><summary>{esc(block[1])}</summary>\n{inner}</details>")
            elif kind == "toc":
                body.append(_toc_html(toc))
            else:
                raise ValueError(f"unknown report block {kind!r}")
        return body

    body = render(blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _table_html(headers: list[str], rows: list[dict]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    lines = []
    for row in rows:
        cls = ' class="fail"' if row.get("status") == "fail" else ""
        cells = "".join(
            f'<td class="num">{esc(str(c))}</td>' if _is_number(c) else f"<td>{esc(str(c))}</td>"
            for c in row["cells"]
        )
        lines.append(f"<tr{cls}>{cells}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(lines)}</tbody></table></div>"
    )


def _toc_html(entries: list[tuple[int, str, str]]) -> str:
    esc = html.escape
    parts, open_sub = ['<nav class="toc"><ul>'], False
    for level, text, anchor in entries:
        link = f'<a href="#{esc(anchor)}">{esc(text)}</a>'
        if level == 2:
            if open_sub:
                parts.append("</ul></li>")
                open_sub = False
            parts.append(f"<li>{link}<ul>")
            open_sub = True
        else:
            parts.append(f"<li>{link}</li>")
    if open_sub:
        parts.append("</ul></li>")
    parts.append("</ul></nav>")
    return "".join(parts)
