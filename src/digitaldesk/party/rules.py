"""The party-cell meeting rules the desk enforces, each with its source.

No legal text (Điều lệ Đảng, Quy định of the Central Committee) is in the desk's material, so
`law.citation.Citation` does not apply; the sources are the shared seeds and the issue.
"""

from __future__ import annotations

# seeds/000_22c6d09c105663e9.txt ("Một số kinh nghiệm chuyển đổi số tại đơn vị cấp Vụ", 1.1):
# "Chuẩn bị, đưa lên tối thiểu 03 tài liệu sinh hoạt; điểm danh; đánh giá; kết thúc buổi sinh hoạt."
MIN_DOCUMENTS = 3
MIN_DOCUMENTS_SOURCE = (
    "Tiêu chí sinh hoạt chi bộ trên Sổ tay đảng viên điện tử: tối thiểu 03 tài liệu sinh hoạt; "
    "điểm danh; đánh giá; kết thúc buổi sinh hoạt (báo cáo kinh nghiệm chuyển đổi số của Vụ 7, "
    "VKSND tối cao)."
)
# Roll call with reasons, evaluation before closing, a locked record after closing: the same
# source. The four rating levels and the three-step rating workflow: issue #18's requirement
# (no source in the desk's material).
