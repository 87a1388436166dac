"""Mind-map case report (báo cáo án bằng sơ đồ tư duy), generated on the server as SVG.

The same SVG is shown in the browser (with a small pan/zoom script,
static/cases/mindmap.js) and converted to PNG and PDF by CairoSVG (Debian libcairo2).
Only presentation attributes are used (no `style` attributes), so the page keeps
its strict Content-Security-Policy and CairoSVG renders exactly what the browser shows.

Layout: the case in the centre; branches (accused, charges, procedural events,
evidence and documents, deadlines, participants) alternate right and left, each
with its leaves stacked vertically and joined by curves.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.html import escape

from digitaldesk.cases.models import (
    Accused,
    Case,
    Charge,
    ComputedDeadline,
    Participant,
    ProceduralEvent,
)

FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
CHAR_W = 7.4  # average advance of DejaVu Sans at 13 px
BOLD_W = 8.4  # DejaVu Sans Bold is wider
LINE_H = 17
WRAP = 44
BRANCH_COLOURS = ["#b71c1c", "#0b4f9c", "#1b7f3b", "#a15c00", "#6a1b9a", "#00695c"]
KEY_EVENT_LIMIT = 14


@dataclass
class Node:
    text: str
    children: list[Node] = field(default_factory=list)
    tone: str = ""  # "bad" / "warn" for overdue or urgent deadlines

    @property
    def lines(self) -> list[str]:
        out: list[str] = []
        for paragraph in self.text.split("\n"):
            out.extend(textwrap.wrap(paragraph, WRAP) or [""])
        return out[:6]


def case_tree(case: Case) -> Node:
    """The mind map's content: every fact is read from the case's own rows."""
    from digitaldesk.cases.events import kind_label
    from digitaldesk.cases.templatetags.cases_tags import category_label, measure_label, stage_label

    today = timezone.localdate()
    root = Node(f"{case.register_label}\n{case.name}\n{stage_label(case.stage)}")
    people = list(Accused.objects.filter(case=case).order_by("order", "pk"))
    charges = list(Charge.objects.filter(case=case).select_related("accused"))
    accused_branch = Node(f"Bị can ({len(people)})")
    for person in people:
        details = [person.full_name + (f", sinh {person.born}" if person.born else "")]
        if person.measure:
            until = f" đến hết {person.measure_until:%d/%m/%Y}" if person.measure_until else ""
            details.append(f"{measure_label(person.measure)}{until}")
        leaf = Node("\n".join(details))
        for charge in charges:
            if charge.accused_id == person.pk:
                leaf.children.append(Node(_charge_text(charge)))
        accused_branch.children.append(leaf)
    if not people:
        accused_branch.children.append(Node("Chưa có bị can"))

    charge_branch = Node(f"Tội danh — {category_label(case.effective_category)}")
    seen: set[tuple[str, int, str]] = set()
    for charge in charges:
        key = (charge.article, charge.clause, charge.points)
        if key in seen:
            continue
        seen.add(key)
        charge_branch.children.append(Node(_charge_text(charge)))
    if not charges:
        charge_branch.children.append(Node("Chưa xác định tội danh"))

    events = list(
        ProceduralEvent.objects.filter(case=case).select_related("accused").order_by("on", "pk")
    )
    event_branch = Node("Diễn biến tố tụng")
    shown = (
        events if len(events) <= KEY_EVENT_LIMIT else events[:3] + events[-(KEY_EVENT_LIMIT - 3) :]
    )
    for event in shown:
        who = f" — {event.accused.full_name}" if event.accused else ""
        number = f", số {event.number}" if event.number else ""
        event_branch.children.append(
            Node(f"{event.on:%d/%m/%Y}: {kind_label(event.kind)}{who}{number}")
        )
    if len(events) > len(shown):
        event_branch.children.insert(3, Node(f"… {len(events) - len(shown)} quyết định khác"))
    if not events:
        event_branch.children.append(Node("Chưa ghi nhận quyết định"))

    evidence_branch = Node("Chứng cứ, tài liệu")
    for event in events:
        if event.attachment:
            evidence_branch.children.append(
                Node(
                    f"Văn bản: {kind_label(event.kind)} {event.number or ''} "
                    f"({event.on:%d/%m/%Y})".replace("  ", " ")
                )
            )
    for line in _casefile_lines(case):
        evidence_branch.children.append(Node(line))
    if case.summary:
        evidence_branch.children.append(Node("Tóm tắt: " + case.summary[:200]))
    if not evidence_branch.children:
        evidence_branch.children.append(Node("Chưa có tài liệu số hóa"))

    deadline_branch = Node("Thời hạn đang chạy")
    for deadline in (
        ComputedDeadline.objects.filter(case=case, running=True)
        .select_related("accused")
        .order_by("end")
    ):
        left = (deadline.end - today).days
        status = f"quá hạn {-left} ngày" if left < 0 else f"còn {left} ngày"
        who = f" — {deadline.accused.full_name}" if deadline.accused else ""
        deadline_branch.children.append(
            Node(
                f"{deadline.label}{who}: đến hết {deadline.end:%d/%m/%Y} "
                f"({status})\n{deadline.basis}",
                tone="bad" if left < 0 else ("warn" if left <= 7 else ""),
            )
        )
    if not deadline_branch.children:
        deadline_branch.children.append(Node("Không có thời hạn đang chạy"))

    others = list(Participant.objects.filter(case=case))
    branches = [accused_branch, charge_branch, event_branch, deadline_branch, evidence_branch]
    if others:
        branches.append(
            Node(
                "Người tham gia tố tụng",
                [Node(f"{p.full_name} — {p.get_role_display()}") for p in others],
            )
        )
    root.children = branches
    return root


def _charge_text(charge: Charge) -> str:
    points = f"điểm {charge.points.replace(',', ', ')} " if charge.points else ""
    clause = f"khoản {charge.clause} " if charge.clause else ""
    return f"{points}{clause}Điều {charge.article} BLHS\n{charge.title}"


def _casefile_lines(case: Case) -> list[str]:
    """Digitised case-file volumes, when the casefiles app offers them (read-only, optional)."""
    try:
        from django.apps import apps

        model = apps.get_model("casefiles", "CaseFile")
    except (LookupError, ImportError):
        return []
    try:
        files = list(model.objects.filter(case=case)[:10])
    except Exception:  # a schema still being built by another app must not break the report
        return []
    return [f"Hồ sơ số hóa: {item}" for item in files]


# --- Layout and rendering
# ---------------------------------------------------------------------------
def _box(node: Node, bold: bool = False) -> tuple[float, float]:
    """Width and height of a node's box; bold lines (branches, the root, the first line of
    a node with children) are measured wider."""
    widths = [
        len(line) * (BOLD_W if bold or (index == 0 and node.children) else CHAR_W)
        for index, line in enumerate(node.lines)
    ]
    width = max(widths) + 20
    height = len(node.lines) * LINE_H + 10
    return max(width, 60), height


def _subtree_height(node: Node) -> float:
    own = _box(node, True)[1]
    if not node.children:
        return own
    return max(own, sum(_subtree_height(child) + 10 for child in node.children) - 10)


def render_svg(root: Node, *, title: str = "") -> str:
    """Lay the tree out (right and left of the root) and return a standalone SVG document."""
    elements: list[str] = []
    right = root.children[0::2]
    left = root.children[1::2]
    root_w, root_h = _box(root, True)
    side_h = [sum(_subtree_height(b) + 24 for b in side) for side in (right, left)]
    height = max(side_h + [root_h]) + 40
    column = 300.0
    max_depth_w = 3 * column
    cx = max_depth_w + root_w / 2 + 20
    cy = height / 2
    min_x, max_x = cx - root_w / 2, cx + root_w / 2

    def place(
        node: Node,
        x: float,
        y_top: float,
        direction: int,
        colour: str,
        depth: int,
        parent_anchor: tuple[float, float],
    ) -> None:
        nonlocal min_x, max_x
        w, h = _box(node, depth == 1)
        sub_h = _subtree_height(node)
        y = y_top + sub_h / 2 - h / 2
        bx = x if direction > 0 else x - w
        min_x, max_x = min(min_x, bx), max(max_x, bx + w)
        px, py = parent_anchor
        ax = bx if direction > 0 else bx + w
        ay = y + h / 2
        mid = (px + ax) / 2
        elements.append(
            f'<path d="M{px:.1f},{py:.1f} C{mid:.1f},{py:.1f} {mid:.1f},{ay:.1f} '
            f'{ax:.1f},{ay:.1f}" fill="none" stroke="{colour}" '
            f'stroke-width="{3 if depth == 1 else 1.6}"/>'
        )
        fill = {"bad": "#fce8e6", "warn": "#fef7e0"}.get(
            node.tone, "#ffffff" if depth > 1 else colour
        )
        text_colour = "#ffffff" if depth == 1 else "#1d232b"
        elements.append(
            f'<rect x="{bx:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8" fill="{fill}" '
            f'stroke="{colour}" stroke-width="1.4"/>'
        )
        for index, line in enumerate(node.lines):
            weight = ' font-weight="bold"' if depth == 1 or (index == 0 and node.children) else ""
            elements.append(
                f'<text x="{bx + 10:.1f}" y="{y + 20 + index * LINE_H:.1f}" font-family="{FONT}" '
                f'font-size="13" fill="{text_colour}"{weight}>{escape(line)}</text>'
            )
        child_top = y_top + (sub_h - (sum(_subtree_height(c) + 10 for c in node.children) - 10)) / 2
        out_x = bx + w if direction > 0 else bx
        for child in node.children:
            place(
                child, out_x + direction * 40, child_top, direction, colour, depth + 1, (out_x, ay)
            )
            child_top += _subtree_height(child) + 10

    for side, direction, total in ((right, 1, side_h[0]), (left, -1, side_h[1])):
        y_top = cy - total / 2
        for branch in side:
            colour = BRANCH_COLOURS[(root.children.index(branch)) % len(BRANCH_COLOURS)]
            start_x = cx + direction * (root_w / 2 + 50)
            place(branch, start_x, y_top, direction, colour, 1, (cx + direction * root_w / 2, cy))
            y_top += _subtree_height(branch) + 24

    root_elements = [
        f'<rect x="{cx - root_w / 2:.1f}" y="{cy - root_h / 2:.1f}" width="{root_w:.1f}" '
        f'height="{root_h:.1f}" rx="12" fill="#1d232b"/>'
    ]
    for index, line in enumerate(root.lines):
        root_elements.append(
            f'<text x="{cx - root_w / 2 + 10:.1f}" y="{cy - root_h / 2 + 20 + index * LINE_H:.1f}" '
            f'font-family="{FONT}" font-size="13" font-weight="bold" fill="#ffffff">'
            f"{escape(line)}</text>"
        )
    pad = 20
    vx, vw = min_x - pad, (max_x - min_x) + 2 * pad
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="{vx:.0f} 0 {vw:.0f} '
        f'{height:.0f}" '
        f'width="{vw:.0f}" height="{height:.0f}" id="mindmap-svg" role="img" '
        f'aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="{vx:.0f}" y="0" width="{vw:.0f}" height="{height:.0f}" fill="#ffffff"/>'
    )
    return head + "".join(elements) + "".join(root_elements) + "</svg>"


def case_svg(case: Case) -> str:
    return render_svg(case_tree(case), title=f"Sơ đồ tư duy — {case.register_label} — {case.name}")


def svg_to_png(svg: str, *, scale: float = 1.5) -> bytes:
    import cairosvg

    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
    return png


def svg_to_pdf(svg: str) -> bytes:
    import cairosvg

    pdf: bytes = cairosvg.svg2pdf(bytestring=svg.encode("utf-8"))
    return pdf
