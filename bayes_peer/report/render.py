"""A small document model rendered twice: Markdown (``report.md``) and one self-contained HTML
file (``report.html``, figures embedded as base64 PNG, no external resources).

Blocks are tuples:
``("h1"|"h2"|"h3", text)``, ``("p", text)``, ``("notice", kind, text)`` with kind ``synthetic``,
``fail`` or ``warn``, ``("list", [items])``, ``("table", headers, rows)`` and
``("figure", path, caption)``. Both renderers walk the same list, so the two files say the same.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1060px;
margin:0 auto;padding:1.5em;color:#1d1d1f;line-height:1.45;font-size:15px}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:2px solid #ddd;
padding-bottom:.2em}h3{margin-top:1.4em}
table{border-collapse:collapse;font-size:12.5px;margin:.6em 0 1.2em;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f6;position:sticky;top:0}td:last-child{min-width:20em}td.num{text-align:right;white-space:nowrap}
tr.fail td{background:#fde8e8}tr.warn td{background:#fff7e0}
.notice{padding:.7em 1em;border-radius:6px;margin:1em 0;font-weight:500}
.synthetic{background:#fff3cd;border:1px solid #e0c36b}.fail{background:#fde8e8;
border:1px solid #e08a8a}.warn{background:#fff7e0;border:1px solid #e6cf8a}
figure{margin:1em 0 1.6em}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:12.5px;color:#555;margin-top:.3em}code{font-size:12px}
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


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[tuple], base: Path) -> str:
    """Markdown with figures linked relative to ``base`` (the report's folder)."""
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"{'#' * int(kind[1])} {block[1]}\n")
        elif kind == "p":
            out.append(f"{block[1]}\n")
        elif kind == "notice":
            label = NOTICE_LABELS[block[1]]
            out.append(f"> **{label}**: {block[2]}\n")
        elif kind == "list":
            out.append("\n".join(f"- {item}" for item in block[1]) + "\n")
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines = [
                "| " + " | ".join(_md_escape(h) for h in headers) + " |",
                "|" + "---|" * len(headers),
            ]
            lines += ["| " + " | ".join(_md_escape(c) for c in row["cells"]) + " |" for row in rows]
            out.append("\n".join(lines) + "\n")
        elif kind == "figure":
            rel = Path(block[1]).relative_to(base).as_posix()
            out.append(f"![{_md_escape(block[2])}]({rel})\n\n*{block[2]}*\n")
        else:
            raise ValueError(f"unknown report block {kind!r}")
    return "\n".join(out)


def _is_number(text: str) -> bool:
    stripped = str(text).replace("−", "-").replace("[", "").replace("]", "").replace(",", "")
    try:
        float(stripped.split()[0])
    except (ValueError, IndexError):
        return False
    return True


def to_html(blocks: list[tuple], title: str) -> str:
    """One self-contained HTML page (figures inlined as data URIs)."""
    esc = html.escape
    body: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            anchor = "".join(c if c.isalnum() else "-" for c in block[1].lower()).strip("-")
            body.append(f'<{kind} id="{esc(anchor)}">{esc(block[1])}</{kind}>')
        elif kind == "p":
            body.append(f"<p>{esc(block[1])}</p>")
        elif kind == "notice":
            label = NOTICE_LABELS[block[1]]
            body.append(
                f'<div class="notice {block[1]}"><strong>{label}</strong>: {esc(block[2])}</div>'
            )
        elif kind == "list":
            items = "".join(f"<li>{esc(item)}</li>" for item in block[1])
            body.append(f"<ul>{items}</ul>")
        elif kind == "table":
            head = "".join(f"<th>{esc(h)}</th>" for h in block[1])
            rows = []
            for row in block[2]:
                cls = f' class="{row["status"]}"' if row.get("status") in ("fail", "warn") else ""
                cells = "".join(
                    f'<td class="num">{esc(str(c))}</td>'
                    if _is_number(c)
                    else f"<td>{esc(str(c))}</td>"
                    for c in row["cells"]
                )
                rows.append(f"<tr{cls}>{cells}</tr>")
            body.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
        elif kind == "figure":
            data = base64.b64encode(Path(block[1]).read_bytes()).decode("ascii")
            body.append(
                f'<figure><img alt="{esc(block[2])}" src="data:image/png;base64,{data}">'
                f"<figcaption>{esc(block[2])}</figcaption></figure>"
            )
        else:
            raise ValueError(f"unknown report block {kind!r}")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
