"""The built-in Word templates ``templates/minutes/{ja,en}.docx``, made once by code.

The .docx files are committed; this module is how they were made, so that they can be made
again after a change (``python -m bot.minutes.docx_form``). Each is the reference form as a
table — 名称 / 事務局（担当課） / 開催日時 / 開催場所 / 議題 / 公開の可否 / 出席者 — followed
by the body of the minutes, with docxtpl tags (``{{ … }}``, ``{%p … %}``) where the values go.
Operators can copy one, restyle it in Word and put it in their templates directory.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

BOXES_JA = (
    '{% for d in ["public", "closed", "partial"] %}'
    '{{ "■" if value == d else "□" }}{{ labels.disclosure[d] }} {% endfor %}'
)
BOXES_EN = (
    '{% for d in ["public", "closed", "partial"] %}'
    '{{ "[x]" if value == d else "[ ]" }} {{ labels.disclosure[d] }}  {% endfor %}'
)


@dataclass(frozen=True)
class FormWords:
    """The fixed words of one language's form."""

    title: str
    public_title: str
    name: str
    secretariat: str
    when: str
    place: str
    agenda: str
    disclosure: str
    meeting: str
    minutes: str
    reason: str
    attendees: str
    absent: str
    opening: str
    explained: str
    summary: str
    speaker_sep: str
    owner: str
    ended: str
    materials: str
    none: str
    boxes: str
    list_sep: str


WORDS = {
    "ja": FormWords(
        title="会 議 録",
        public_title="（公開版）",
        name="附属機関又は会議体の名称",
        secretariat="事務局（担当課）",
        when="開催日時",
        place="開催場所",
        agenda="議題",
        disclosure="公開の可否",
        meeting="会議　",
        minutes="会議録　",
        reason="非公開・一部非公開の場合は、その理由：",
        attendees="出席者",
        absent="欠席：",
        opening="{{ chair }}：{{ meeting.title }}を開催します。",
        explained="〔{{ item.presenter }}：「【{{ item.code }}】{{ item.title }}」を説明〕",
        summary="要旨：",
        speaker_sep="：",
        owner='（担当：{{ item.decision.owner or "未定" }}'
        "{% if item.decision.due %}、期限：{{ item.decision.due }}{% endif %}）",
        ended="〔{{ meeting.ended_at }} 終了〕",
        materials="提出された資料等",
        none="なし",
        boxes=BOXES_JA,
        list_sep="、",
    ),
    "en": FormWords(
        title="Minutes",
        public_title=" (public version)",
        name="Name of the body",
        secretariat="Secretariat (department)",
        when="Date and time",
        place="Place",
        agenda="Agenda",
        disclosure="Disclosure",
        meeting="Meeting: ",
        minutes="Minutes: ",
        reason="Reason for closing in whole or in part: ",
        attendees="Attendees",
        absent="Absent: ",
        opening="{{ chair }}: The meeting {{ meeting.title }} is opened.",
        explained='[{{ item.presenter }} explains "[{{ item.code }}] {{ item.title }}"]',
        summary="Summary: ",
        speaker_sep=": ",
        owner='(Owner: {{ item.decision.owner or "to be decided" }}'
        "{% if item.decision.due %}, due {{ item.decision.due }}{% endif %})",
        ended="[Closed at {{ meeting.ended_at }}]",
        materials="Materials submitted",
        none="None",
        boxes=BOXES_EN,
        list_sep=", ",
    ),
}


def _fill(cell: _Cell, lines: list[str]) -> None:
    """Put ``lines`` in a table cell, one paragraph each; the cell keeps a last paragraph so
    that it is never empty when every tag paragraph is removed."""
    paragraphs = cell.paragraphs
    paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)
    if lines[-1].startswith("{%p"):
        cell.add_paragraph("")


def _boxes(words: FormWords, attr: str) -> str:
    return words.boxes.replace("value", f"meeting.{attr}")


def build_form(lang: str) -> DocumentObject:
    """The Word template for ``lang`` as a python-docx ``Document``."""
    w = WORDS[lang]
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    if lang == "ja":
        normal.font.name = "MS Mincho"
        fonts = normal.element.rPr.rFonts
        fonts.set(qn("w:eastAsia"), "ＭＳ 明朝")
    props = doc.core_properties
    props.title, props.author, props.comments, props.subject = w.title, "secretariat-bot", "", ""

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(w.title + "{% if public %}" + w.public_title + "{% endif %}")
    run.bold, run.font.size = True, Pt(16)

    rows: list[tuple[str, list[str]]] = [
        (w.name, ["{{ meeting.title }}"]),
        (w.secretariat, ["{{ meeting.secretariat_dept }}"]),
        (w.when, ["{{ meeting.when }}"]),
        (w.place, ["{{ meeting.place }}"]),
        (
            w.agenda,
            [
                "{%p for group in agenda %}",
                "{{ group.label }}",
                "{%p for item in group.items %}",
                "{{ item.number_label }}{{ item.title }}",
                "{%p endfor %}",
                "{%p endfor %}",
            ],
        ),
        (
            w.disclosure,
            [
                w.meeting + _boxes(w, "disclosure"),
                '{%p if meeting.disclosure != "public" %}',
                w.reason + "{{ meeting.disclosure_reason }}",
                "{%p endif %}",
                w.minutes + _boxes(w, "minutes_disclosure"),
                '{%p if meeting.minutes_disclosure != "public" %}',
                w.reason + "{{ meeting.minutes_disclosure_reason }}",
                "{%p endif %}",
            ],
        ),
        (
            w.attendees,
            [
                "{%p for group in attendees %}",
                "{{ group.label }}" + w.speaker_sep + f'{{{{ group.names|join("{w.list_sep}") }}}}',
                "{%p endfor %}",
                "{%p if absent %}",
                w.absent + f'{{{{ absent|join("{w.list_sep}") }}}}',
                "{%p endif %}",
            ],
        ),
    ]
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = doc.styles["Table Grid"]
    for row, (label, lines) in zip(table.rows, rows, strict=True):
        row.cells[0].width, row.cells[1].width = Cm(4), Cm(12.5)
        row.cells[0].paragraphs[0].text = label
        _fill(row.cells[1], lines)

    body = [
        "",
        "{%p if chair %}",
        w.opening,
        "{%p endif %}",
        "{%p for item in items %}",
        "{{ item.heading }}" + (" " if lang == "en" else "") + "{{ item.title }}",
        "{%p if not item.hidden %}",
        "{%p if item.presenter %}",
        w.explained,
        "{%p endif %}",
        "{%p if item.summary %}",
        w.summary + "{{ item.summary }}",
        "{%p endif %}",
        "{%p for note in item.notes %}",
        "{% if note.speaker %}{{ note.speaker }}" + w.speaker_sep + "{% endif %}{{ note.text }}",
        "{%p endfor %}",
        "{%p if item.decision %}",
        "{{ item.decision.outcome_line }}",
        "{%p if item.decision.text %}",
        "（{{ item.decision.text }}）" if lang == "ja" else "({{ item.decision.text }})",
        "{%p endif %}",
        "{%p if item.decision.owner or item.decision.due %}",
        w.owner,
        "{%p endif %}",
        "{%p endif %}",
        "{%p endif %}",
        "{%p endfor %}",
        "{%p if meeting.ended_at %}",
        w.ended,
        "{%p endif %}",
        "",
        w.materials,
        "{%p for m in materials %}",
        "{{ m.label }}" + ("　" if lang == "ja" else ": ") + "{{ m.title }}",
        "{%p endfor %}",
        "{%p if not materials %}",
        w.none,
        "{%p endif %}",
    ]
    for line in body:
        paragraph = doc.add_paragraph(line)
        if line.startswith("{{ item.heading }}") or line == w.materials:
            paragraph.runs[0].bold = True
    return doc


def main(argv: list[str] | None = None) -> int:
    """Write ``ja.docx`` and ``en.docx`` into the given folder (default templates/minutes)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "templates/minutes"
    for lang in WORDS:
        build_form(lang).save(str(folder / f"{lang}.docx"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
