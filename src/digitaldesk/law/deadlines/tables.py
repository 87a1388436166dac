"""The time limits of BLTTHS 2015 as tables (docs/domain.md §3.3). Months unless named *_DAYS.

Each constant cites its article; the 2024–2025 amending laws are not consolidated.
"""

from __future__ import annotations

from digitaldesk.law.categories import Category
from digitaldesk.law.citation import bltths

IT, NT, RNT, DBNT = (
    Category.IT_NGHIEM_TRONG,
    Category.NGHIEM_TRONG,
    Category.RAT_NGHIEM_TRONG,
    Category.DAC_BIET_NGHIEM_TRONG,
)

# Điều 147: reports
REPORT_DAYS = 20  # khoản 1
REPORT_COMPLEX_MONTHS = 2  # khoản 2, câu 1
REPORT_EXTENSION_MONTHS = 2  # khoản 2, câu 2: Viện trưởng VKS gia hạn một lần
REPORT_AFTER_SUSPENSION_MONTHS = 1  # Điều 148 khoản 2; Điều 149 khoản 1
# Điều 118: custody
CUSTODY_DAYS = 3
CUSTODY_EXTENSION_DAYS = 3
CUSTODY_EXTENSIONS = 2
CUSTODY_APPROVAL_HOURS = 12  # Điều 118 khoản 2
APPROVAL_DAYS = 3  # Điều 179 khoản 3 (khởi tố bị can), Điều 119 khoản 5 (lệnh tạm giam)
# Điều 172: investigation
INVESTIGATION = {IT: 2, NT: 3, RNT: 4, DBNT: 4}  # khoản 1
INVESTIGATION_EXTENSIONS = {IT: (2,), NT: (3, 2), RNT: (4, 4), DBNT: (4, 4, 4)}  # khoản 2 điểm a–d
INVESTIGATION_SPECIAL_MONTHS = 4  # khoản 3 (ĐBNT rất phức tạp; xâm phạm an ninh quốc gia)
# Điều 174: resumed investigation
RESUMED = {IT: 2, NT: 2, RNT: 3, DBNT: 3}  # khoản 1
RESUMED_EXTENSIONS = {IT: (1,), NT: (2,), RNT: (2,), DBNT: (3,)}  # khoản 1 điểm a–c
SUPPLEMENTARY_BY_VKS = 2  # khoản 2
SUPPLEMENTARY_BY_COURT = 1  # khoản 2
VKS_RETURNS_MAX = 2  # khoản 2
COURT_RETURNS_MAX = 2  # khoản 2: Thẩm phán chủ tọa một lần, Hội đồng xét xử một lần
# Điều 173: detention for investigation
DETENTION = {IT: 2, NT: 3, RNT: 4, DBNT: 4}  # khoản 1
DETENTION_EXTENSIONS = {IT: (1,), NT: (2,), RNT: (3,), DBNT: (4, 4)}  # khoản 2 điểm a–d
DETENTION_NS_SECOND = {NT: 1, RNT: 2, DBNT: 4}  # khoản 5, câu 2
# Điều 230 khoản 3; Điều 232 khoản 4
CLOSURE_REVIEW_DAYS = 15
FILE_HANDOVER_DAYS = 2
# Điều 240: prosecution
PROSECUTION_DAYS = {IT: 20, NT: 20, RNT: 30, DBNT: 30}  # khoản 1
PROSECUTION_EXTENSION_DAYS = {IT: 10, NT: 10, RNT: 15, DBNT: 30}  # khoản 1
INDICTMENT_DELIVERY_DAYS = 3  # khoản 2 (vụ án phức tạp: không quá 10 ngày)
# Điều 277: trial preparation — (months, days)
TRIAL_PREPARATION = {IT: (0, 30), NT: (0, 45), RNT: (2, 0), DBNT: (3, 0)}  # khoản 1
TRIAL_PREPARATION_EXTENSION_DAYS = {IT: 15, NT: 15, RNT: 30, DBNT: 30}  # khoản 1
TRIAL_AFTER_SUPPLEMENTARY_DAYS = 15  # khoản 2
HEARING_DAYS = 15  # khoản 3 (bất khả kháng: 30 ngày)
# Điều 329, 333, 337, 346
DETENTION_AFTER_SENTENCE_DAYS = 45  # Điều 329 khoản 3
APPEAL_JUDGMENT_DAYS = 15  # Điều 333 khoản 1
APPEAL_DECISION_DAYS = 7  # Điều 333 khoản 2
PROTEST_JUDGMENT_DAYS = (15, 30)  # Điều 337 khoản 1: cùng cấp, cấp trên trực tiếp
PROTEST_DECISION_DAYS = (7, 15)  # Điều 337 khoản 2
APPELLATE_PREPARATION_DAYS = 60  # Điều 346 khoản 1 (Tòa án nhân dân cấp tỉnh)


# The provisions the limits and rules come from, as citations (law.citation; docs/law.md).
# The engine writes these, never the text, so each rule's basis is structured.
ART_118_1 = bltths("118", 1)
ART_118_2 = bltths("118", 2)
ART_119_5 = bltths("119", 5)
ART_134_1 = bltths("134", 1)
ART_147 = bltths("147")
ART_147_1 = bltths("147", 1)
ART_147_2 = bltths("147", 2)
ART_148 = bltths("148")
ART_148_1 = bltths("148", 1)
ART_148_2 = bltths("148", 2)
ART_149_1 = bltths("149", 1)
ART_172_1 = bltths("172", 1)
ART_172_2 = bltths("172", 2)
ART_172_3 = bltths("172", 3)
ART_173 = bltths("173")
ART_173_1 = bltths("173", 1)
ART_173_2 = bltths("173", 2)
ART_173_5 = bltths("173", 5)
ART_173_6 = bltths("173", 6)
ART_174_1 = bltths("174", 1)
ART_174_2 = bltths("174", 2)
ART_174_4 = bltths("174", 4)
ART_179 = bltths("179")
ART_179_3 = bltths("179", 3)
ART_229 = bltths("229")
ART_230_3 = bltths("230", 3)
ART_232_4 = bltths("232", 4)
ART_240_1 = bltths("240", 1)
ART_240_2 = bltths("240", 2)
ART_241 = bltths("241")
ART_249_4 = bltths("249", 4)
ART_277_1 = bltths("277", 1)
ART_277_2 = bltths("277", 2)
ART_277_3 = bltths("277", 3)
ART_278_2 = bltths("278", 2)
ART_329_3 = bltths("329", 3)
ART_333_1 = bltths("333", 1)
ART_333_2 = bltths("333", 2)
ART_337_1 = bltths("337", 1)
ART_337_2 = bltths("337", 2)
ART_346_1 = bltths("346", 1)
ART_347_2 = bltths("347", 2)
ART_174_3_AS_172 = bltths("174", 3, note="theo Điều 172")  # re-investigation: Điều 172's limits
